/** Why a datagram or message could not be decoded. Stable codes, so tests and stats can count them. */
export type DecodeErrorCode =
  | 'truncated'
  | 'bad-protocol-id'
  | 'bad-channel'
  | 'bad-packet-type'
  | 'bad-control-type'
  | 'nested-reliable'
  | 'oversized'
  | 'split-index-out-of-range'
  | 'split-count-mismatch'
  | 'split-too-large'
  | 'split-buffer-full'
  | 'bad-payload';

/** A datagram or message that does not follow the Luanti wire format. Never fatal: the packet is dropped. */
export class PacketDecodeError extends Error {
  override readonly name = 'PacketDecodeError';
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
