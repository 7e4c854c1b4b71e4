// The extension's icon (a rounded square with ⇄ arrows), drawn in code at each size the manifest
// names: no image files in the repository, nothing downloaded. Used by build.mjs; run alone to
// look at them: `node extension/tools/icons.mjs <dir>`.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { encodePng } from "./binary.mjs";

export const ICON_SIZES = [16, 32, 48, 128];
const BACKGROUND = [15, 118, 110]; // teal-700, the pages' accent colour
const FOREGROUND = [255, 255, 255];

const inRoundedSquare = (x, y, r) => {
  const cx = Math.min(Math.max(x, r), 1 - r);
  const cy = Math.min(Math.max(y, r), 1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};

const inTriangle = ([ax, ay], [bx, by], [cx, cy], x, y) => {
  const side = (px, py, qx, qy) => (x - qx) * (py - qy) - (px - qx) * (y - qy);
  const d1 = side(ax, ay, bx, by);
  const d2 = side(bx, by, cx, cy);
  const d3 = side(cx, cy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
};

/** An arrow along y = cy from the tail at x = tail to the tip at x = tip (either direction). */
const inArrow = (x, y, cy, tail, tip) => {
  const dir = Math.sign(tip - tail);
  const headBase = tip - dir * 0.2;
  const shaftLo = Math.min(tail, headBase);
  const shaftHi = Math.max(tail, headBase);
  if (x >= shaftLo && x <= shaftHi && Math.abs(y - cy) <= 0.055) return true;
  return inTriangle([tip, cy], [headBase, cy - 0.14], [headBase, cy + 0.14], x, y);
};

const inSymbol = (x, y) => inArrow(x, y, 0.35, 0.2, 0.82) || inArrow(x, y, 0.65, 0.8, 0.18);

/** One icon as PNG bytes; 4×4 supersampling for smooth edges. */
export function renderIcon(size) {
  const rgba = Buffer.alloc(size * size * 4);
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let inside = 0;
      let symbol = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          if (!inRoundedSquare(x, y, 0.22)) continue;
          inside++;
          if (inSymbol(x, y)) symbol++;
        }
      }
      const at = (py * size + px) * 4;
      const share = inside ? symbol / inside : 0;
      for (let c = 0; c < 3; c++) rgba[at + c] = Math.round(BACKGROUND[c] * (1 - share) + FOREGROUND[c] * share);
      rgba[at + 3] = Math.round((255 * inside) / samples ** 2);
    }
  }
  return encodePng(size, size, rgba);
}

/** `{"icons/icon-16.png": Buffer, …}` */
export function iconFiles() {
  return Object.fromEntries(ICON_SIZES.map((s) => [`icons/icon-${s}.png`, renderIcon(s)]));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? ".";
  for (const [name, data] of Object.entries(iconFiles())) {
    const file = path.join(out, path.basename(name));
    fs.writeFileSync(file, data);
    console.log(file);
  }
}
