/**
 * The output of one stream of a command, kept whole or only its last `keepBytes`:
 * a process watched for hours streams its whole log through a single command, and
 * holding all of it would grow without bound, while the last lines are still
 * wanted for error messages.
 */
export class OutputBuffer {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly keepBytes = Number.POSITIVE_INFINITY) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    // Trim only when well over the limit, so a stream of small chunks is not copied each time.
    if (this.bytes > 2 * this.keepBytes) this.trim();
  }

  private trim(): void {
    const whole = Buffer.concat(this.chunks);
    const kept = whole.subarray(whole.length - this.keepBytes);
    this.chunks = [kept];
    this.bytes = kept.length;
  }

  /** The kept bytes as UTF-8 (a character cut at the front by trimming becomes U+FFFD). */
  text(): string {
    if (this.bytes > this.keepBytes) this.trim();
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
