/**
 * Smoothed round-trip time from ACKs of packets sent once (Karn: resent packets give no sample),
 * and the resend timeout derived from it, clamped like Luanti's (×4, 0.1 to 3 s).
 */
export class RttEstimator {
  private srtt: number | null = null;

  constructor(
    private readonly minTimeoutMs = 100,
    private readonly maxTimeoutMs = 3000,
    private readonly initialTimeoutMs = 500,
  ) {}

  get smoothedMs(): number | null {
    return this.srtt;
  }

  sample(ms: number): void {
    this.srtt = this.srtt === null ? ms : this.srtt * 0.875 + ms * 0.125;
  }

  /** Resend timeout for a packet already resent `retries` times (×1.5 backoff per retry). */
  timeoutMs(retries: number): number {
    const base = this.srtt === null ? this.initialTimeoutMs : this.srtt * 4;
    const clamped = Math.min(this.maxTimeoutMs, Math.max(this.minTimeoutMs, base));
    return Math.min(this.maxTimeoutMs, clamped * Math.pow(1.5, retries));
  }
}
