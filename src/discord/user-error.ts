/** Stable codes of user mistakes; tests and help texts refer to them. */
export const USER_ERROR_CODES = [
  'invalid_option',
  'invalid_spec',
  'not_allowed_role',
  'not_allowed_channel',
  'not_in_guild',
  'too_many_queued',
  'unknown_run',
  'not_your_run',
  'already_finished',
  'unknown_command',
  'queue_unavailable',
] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

/**
 * A mistake the user can fix (bad option, missing role, unknown run). Shown
 * ephemerally with its code; never logged as an error.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly code: UserErrorCode,
    message: string,
  ) {
    super(message);
  }
}
