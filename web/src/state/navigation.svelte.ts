// The current client route, following history.pushState and the back button.

import { parseRoute, type Route } from '../lib/router';

class Navigation {
  route = $state<Route>(parseRoute(typeof location === 'undefined' ? '/' : location.pathname));

  constructor() {
    if (typeof window !== 'undefined') {
      window.addEventListener('popstate', () => (this.route = parseRoute(location.pathname)));
    }
  }

  go(path: string): void {
    if (location.pathname !== path) history.pushState(null, '', path);
    this.route = parseRoute(path);
    window.scrollTo(0, 0);
  }
}

export const navigation = new Navigation();
