/** Why a bot failed, as counted in the stats line (`failedByReason`). Stable codes. */
export const FAILURE_REASONS = [
  'no-response',
  'wrong-password',
  'server-full',
  'bad-name',
  'version-refused',
  'server-shutdown',
  'timed-out',
  'denied',
  'protocol-error',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Words for summaries and logs. */
export const FAILURE_TEXT: Record<FailureReason, string> = {
  'no-response': 'no response from server',
  'wrong-password': 'wrong password',
  'server-full': 'server full',
  'bad-name': 'bad name',
  'version-refused': 'version refused',
  'server-shutdown': 'server shut down',
  'timed-out': 'timed out',
  denied: 'denied by server',
  'protocol-error': 'protocol error',
};

/** ACCESS_DENIED code (Luanti AccessDeniedCode) → our reason. */
export function reasonForAccessDenied(code: number): FailureReason {
  switch (code) {
    case 0:
      return 'wrong-password';
    case 3:
      return 'version-refused';
    case 4:
    case 5:
    case 8:
      // Bad characters, bad/too long name, or the name is already online.
      return 'bad-name';
    case 6:
      return 'server-full';
    case 11:
    case 12:
      return 'server-shutdown';
    default:
      return 'denied';
  }
}

/** Text of an ACCESS_DENIED code, for failure details. */
export const ACCESS_DENIED_TEXT: readonly string[] = [
  'wrong password',
  'unexpected data',
  'singleplayer only',
  'wrong version',
  'invalid characters in name',
  'bad or too long name',
  'too many users',
  'empty password not allowed',
  'already connected',
  'server failure',
  'custom reason',
  'server shutdown',
  'server crash',
];
