// Blocking and reporting from the call (docs/protocol.md, "Blocking and reporting"): the reasons
// a report may give with the words we show for them, the check of the details the person typed
// (the server's own limits, so a refusal is explained before sending), and the messages one
// dialog submission sends. Pure: the dialog (ReportDialog.svelte) and the session use it.

import type { ClientMessage } from './protocol';

export type ReportReason = 'harassment' | 'inappropriate' | 'spam' | 'underage' | 'other';

/** Every reason, in the order the dialog lists them, with its label. */
export const REPORT_REASONS: readonly { value: ReportReason; label: string }[] = [
  { value: 'harassment', label: 'Harassment or bullying' },
  { value: 'inappropriate', label: 'Nudity or sexual content' },
  { value: 'spam', label: 'Spam or advertising' },
  { value: 'underage', label: 'Seems to be under age' },
  { value: 'other', label: 'Something else' },
];

/** The owner panel's words for a reason the server stored (unknown ones shown as they are). */
export function reasonLabel(reason: string): string {
  return REPORT_REASONS.find((r) => r.value === reason)?.label ?? reason;
}

/** The longest details the server takes, in bytes of UTF-8. */
export const MAX_DETAILS_BYTES = 500;

/** Bytes of `text` in UTF-8. */
export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Why `details` would be refused (null: fine). Line breaks and tabs are allowed. */
export function detailsProblem(details: string): string | null {
  const bytes = utf8Bytes(details);
  if (bytes > MAX_DETAILS_BYTES) return `Please shorten this to ${MAX_DETAILS_BYTES} bytes (it is ${bytes}).`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B-\u001F\u007F]/.test(details)) return 'Please remove the special characters.';
  if (/[\uD800-\uDFFF]/.test(details.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))) return 'Please remove the special characters.';
  return null;
}

/** What the person chose in the dialog. `reason` null: block only, no report. */
export type SafetyChoice = { userId: string; reason: ReportReason | null; details: string; block: boolean };

/**
 * The messages one submission sends: the report first (so it names the match while it still
 * runs), then the block. Nothing when neither was asked for.
 */
export function safetyMessages(choice: SafetyChoice): ClientMessage[] {
  const out: ClientMessage[] = [];
  if (choice.reason) {
    const details = choice.details.trim();
    out.push(
      details
        ? { type: 'report', user_id: choice.userId, reason: choice.reason, details }
        : { type: 'report', user_id: choice.userId, reason: choice.reason },
    );
  }
  if (choice.block) out.push({ type: 'block', user_id: choice.userId });
  return out;
}

/** The ban lengths the owner's report list offers, in seconds (the server allows up to 30 days). */
export const REPORT_BAN_CHOICES: readonly { seconds: number; label: string }[] = [
  { seconds: 3600, label: '1 hour' },
  { seconds: 24 * 3600, label: '1 day' },
  { seconds: 7 * 24 * 3600, label: '7 days' },
  { seconds: 30 * 24 * 3600, label: '30 days' },
];

/** "3 min ago", "2 h ago", "4 days ago" for a report's `created_at` (ISO 8601), seen at `nowMs`. */
export function agoText(createdAt: string, nowMs: number): string {
  const at = Date.parse(createdAt);
  if (!Number.isFinite(at)) return '';
  const s = Math.max(0, Math.floor((nowMs - at) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} days ago`;
}
