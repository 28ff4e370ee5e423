/**
 * Call-progress tones by region (ITU-T E.180 and its national supplements): the frequencies
 * and the on/off cadence, as a table anyone can extend. Cadences repeat; an empty cadence is a
 * continuous tone.
 */

export type ToneName = 'dial' | 'ringback' | 'busy' | 'congestion' | 'waiting';

export interface ToneSpec {
  /** Frequencies summed together, in Hz. */
  frequencies: number[];
  /** Alternating on/off durations in ms, repeated; [] for continuous. */
  cadence: number[];
}

export type ToneTable = Record<string, Record<ToneName, ToneSpec>>;

export const TONE_REGIONS: ToneTable = {
  // North America (ANSI T1.401 precise tone plan).
  us: {
    dial: { frequencies: [350, 440], cadence: [] },
    ringback: { frequencies: [440, 480], cadence: [2000, 4000] },
    busy: { frequencies: [480, 620], cadence: [500, 500] },
    congestion: { frequencies: [480, 620], cadence: [250, 250] },
    waiting: { frequencies: [440], cadence: [300, 9700] },
  },
  // United Kingdom (BT SIN 350).
  uk: {
    dial: { frequencies: [350, 440], cadence: [] },
    ringback: { frequencies: [400, 450], cadence: [400, 200, 400, 2000] },
    busy: { frequencies: [400], cadence: [375, 375] },
    congestion: { frequencies: [400], cadence: [400, 350, 225, 525] },
    waiting: { frequencies: [400], cadence: [100, 2900] },
  },
  // Continental Europe (ETSI ES 201 970, CEPT 425 Hz).
  eu: {
    dial: { frequencies: [425], cadence: [] },
    ringback: { frequencies: [425], cadence: [1000, 4000] },
    busy: { frequencies: [425], cadence: [500, 500] },
    congestion: { frequencies: [425], cadence: [250, 250] },
    waiting: { frequencies: [425], cadence: [200, 200, 200, 4400] },
  },
};

/** DTMF (ITU-T Q.23): row and column frequency of each key. */
export const DTMF_FREQUENCIES: Readonly<Record<string, readonly [number, number]>> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};

export function toneSpec(name: ToneName, region = 'us', table: ToneTable = TONE_REGIONS): ToneSpec {
  const spec = table[region]?.[name];
  if (!spec) throw new RangeError(`no ${name} tone for region "${region}" (known: ${Object.keys(table).join(', ')})`);
  return spec;
}
