import { createCanvas, Image } from '@napi-rs/canvas';

/** Width, height and RGBA pixels of a PNG, after checking its signature and IHDR chunk. */
export interface DecodedPng {
  width: number;
  height: number;
  pixels: Uint8ClampedArray;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Reads IHDR by hand (so the size check does not trust the decoder), then decodes the pixels. */
export function readPng(png: Buffer): DecodedPng {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG: bad signature');
  if (png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG: first chunk is not IHDR');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const image = new Image();
  image.src = png;
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return { width, height, pixels: ctx.getImageData(0, 0, width, height).data };
}

/** How many pixels have exactly this `#rrggbb` colour. */
export function countColour(image: DecodedPng, hex: string): number {
  const r = parseInt(hex.slice(1, 3), 16);
  const g = parseInt(hex.slice(3, 5), 16);
  const b = parseInt(hex.slice(5, 7), 16);
  let n = 0;
  const p = image.pixels;
  for (let i = 0; i < p.length; i += 4) if (p[i] === r && p[i + 1] === g && p[i + 2] === b) n++;
  return n;
}
