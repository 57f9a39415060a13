// What the owner panel's sections share: one action at a time, and its outcome shown next to
// the control that started it (on a phone the panel is long; a message at its far end is missed).

import type { OwnerAction } from '../../lib/owner-errors';

/** The part of the panel an action belongs to; its outcome is shown there. */
export type OwnerSection = 'lobby' | 'announce' | 'settings' | 'people' | 'matches' | 'reports' | 'bans';

export type OwnerFeedback = { ok: boolean; text: string; section: OwnerSection };

/**
 * Runs one owner action: `done` is the success sentence (or makes it once the work is done);
 * failures are worded by explainOwnerError. Resolves to whether it worked.
 */
export type OwnerRun = (
  section: OwnerSection,
  action: OwnerAction,
  done: string | (() => string),
  work: () => Promise<unknown>,
) => Promise<boolean>;
