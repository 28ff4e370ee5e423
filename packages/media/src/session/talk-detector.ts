/**
 * Who is talking, from the level of each 20 ms frame with hysteresis: speech starts after a
 * few loud frames in a row (a click is not speech) and ends only after a longer quiet spell
 * (the pauses between words do not end it).
 */
export interface TalkDetectorOptions {
  /** Level (dBFS) above which a frame counts as loud. */
  onDb?: number;
  /** Level below which a frame counts as quiet; lower than onDb (the hysteresis band). */
  offDb?: number;
  /** Loud frames in a row to start speaking. */
  attackFrames?: number;
  /** Quiet frames in a row to stop. */
  releaseFrames?: number;
}

export function levelDb(pcm: Int16Array): number {
  if (pcm.length === 0) return -120;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i]! * pcm[i]!;
  const rms = Math.sqrt(sum / pcm.length) / 32768;
  return rms > 0 ? 20 * Math.log10(rms) : -120;
}

export class TalkDetector {
  speaking = false;
  private loud = 0;
  private quiet = 0;
  private readonly onDb: number;
  private readonly offDb: number;
  private readonly attackFrames: number;
  private readonly releaseFrames: number;

  constructor(options: TalkDetectorOptions = {}) {
    this.onDb = options.onDb ?? -40;
    this.offDb = options.offDb ?? -48;
    this.attackFrames = options.attackFrames ?? 3;
    this.releaseFrames = options.releaseFrames ?? 25;
  }

  /** Feeds one frame (null = nothing received); returns the new state when it changed, else null. */
  update(pcm: Int16Array | null): boolean | null {
    const db = pcm ? levelDb(pcm) : -120;
    if (db >= this.onDb) {
      this.loud++;
      this.quiet = 0;
    } else if (db < this.offDb) {
      this.quiet++;
      this.loud = 0;
    } else {
      // Inside the band: neither starts nor ends speech.
      this.loud = 0;
      this.quiet = 0;
    }
    if (!this.speaking && this.loud >= this.attackFrames) {
      this.speaking = true;
      return true;
    }
    if (this.speaking && this.quiet >= this.releaseFrames) {
      this.speaking = false;
      return false;
    }
    return null;
  }
}
