/**
 * `use:focusOnMount`: a control that replaces the one just pressed (the "Yes, close" of an
 * inline confirmation) takes the keyboard focus, so a keyboard user is not left on nothing.
 */
export function focusOnMount(node: HTMLElement): void {
  node.focus();
}
