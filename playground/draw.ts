// The drawing pad of the digits section (mouse, pen or finger, through pointer events) and the preprocessing that
// turns a drawing into the 28 × 28 input the way the MNIST digits were made. Page-side pixel math only: the
// network itself runs in neurasm.

/** Side of the pad in CSS pixels (fixed: nothing moves as you draw); it fits a 390 px wide phone. */
export const PAD_SIZE = 280;
/** Brush width in CSS pixels: a digit drawn across most of the pad gets MNIST's 2–3 px strokes once scaled to 20 px. */
const BRUSH = 22;
/** Backing pixels per CSS pixel, fixed whatever the screen, so a drawing gives the same input on every device. */
const SCALE = 2;

/** A canvas to draw on: `toDigit()` is the drawing as a 28 × 28 MNIST-style input, or null while it is blank. */
export interface DrawingPad {
  readonly canvas: HTMLCanvasElement;
  clear(): void;
  toDigit(): Float32Array | null;
  /** Called after every change (each stroke segment, and clear). */
  onChange(listener: () => void): void;
}

/** A drawing pad: a fixed-size canvas labelled "Drawing area", with a thick round brush. */
export function drawingPad(): DrawingPad {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = PAD_SIZE * SCALE;
  canvas.className = 'digits-pad';
  canvas.setAttribute('aria-label', 'Drawing area');
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  const listeners: Array<() => void> = [];
  const changed = () => { for (const listener of listeners) listener(); };
  let pointer: number | undefined;
  let last: { x: number; y: number } | undefined;

  const at = (e: PointerEvent) => {
    const box = canvas.getBoundingClientRect();
    return { x: (e.clientX - box.left) * canvas.width / box.width, y: (e.clientY - box.top) * canvas.height / box.height };
  };
  const stroke = (from: { x: number; y: number }, to: { x: number; y: number }) => {
    context.strokeStyle = '#1d2330';
    context.lineWidth = BRUSH * SCALE;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
  };

  canvas.addEventListener('pointerdown', (e) => {
    if (pointer !== undefined || e.button > 0) return; // one finger draws; a second one is ignored
    e.preventDefault();
    pointer = e.pointerId;
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
    stroke(last, last); // a tap leaves a dot
    changed();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (e.pointerId !== pointer || !last) return;
    // Coalesced events keep a fast stroke smooth: the browser may deliver several positions per frame.
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const point of (events.length > 0 ? events : [e]).map(at)) { stroke(last, point); last = point; }
    changed();
  });
  const end = (e: PointerEvent) => {
    if (e.pointerId !== pointer) return;
    pointer = undefined;
    last = undefined;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  return {
    canvas,
    clear() {
      context.clearRect(0, 0, canvas.width, canvas.height);
      changed();
    },
    toDigit() {
      const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
      const ink = new Float32Array(width * height);
      for (let i = 0; i < ink.length; i++) ink[i] = data[i * 4 + 3]! / 255; // the brush's coverage: its alpha
      return mnistDigit(ink, width, height);
    },
    onChange(listener) { listeners.push(listener); },
  };
}

/**
 * A picture of ink (`ink[y * width + x]` in [0, 1], 0 where blank) as MNIST made its digits: cropped to the ink's
 * bounding box, scaled so its longer side is 20 px (aspect ratio kept, each new pixel the mean of the area it
 * covers), and placed in a 28 × 28 field with its centre of mass at the centre. Null when there is no ink.
 */
export function mnistDigit(ink: Float32Array, width: number, height: number): Float32Array | null {
  let left = width, right = -1, top = height, bottom = -1;
  let mass = 0, sumX = 0, sumY = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = ink[y * width + x]!;
      if (v <= 0) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
      mass += v; sumX += v * (x + 0.5); sumY += v * (y + 0.5);
    }
  }
  if (right < 0) return null;
  const scale = 20 / Math.max(right - left + 1, bottom - top + 1);
  // Output pixel u covers the source span [cx + (u - 14) / scale, cx + (u - 13) / scale): the centre of mass
  // (cx, cy) lands on the field's centre (14, 14). One pass per axis, each pixel weighted by its overlap.
  const columns = spans(sumX / mass, scale, left, right + 1);
  const rows = spans(sumY / mass, scale, top, bottom + 1);
  const across = new Float32Array((bottom - top + 1) * 28); // each source row, resampled across to 28 columns
  for (let y = top; y <= bottom; y++) {
    for (let u = 0; u < 28; u++) {
      let sum = 0;
      for (const [x, w] of columns[u]!) sum += w * ink[y * width + x]!;
      across[(y - top) * 28 + u] = sum;
    }
  }
  const digit = new Float32Array(28 * 28);
  const area = scale * scale; // a sum over 1/scale² source pixels, back to a mean
  for (let v = 0; v < 28; v++) {
    for (let u = 0; u < 28; u++) {
      let sum = 0;
      for (const [y, w] of rows[v]!) sum += w * across[(y - top) * 28 + u]!;
      digit[v * 28 + u] = Math.min(1, sum * area);
    }
  }
  return digit;
}

/** For each of the 28 output pixels along one axis: the source pixels in [from, to) it covers, with their overlap. */
function spans(centre: number, scale: number, from: number, to: number): Array<Array<[number, number]>> {
  const out: Array<Array<[number, number]>> = [];
  for (let u = 0; u < 28; u++) {
    const start = centre + (u - 14) / scale;
    const end = centre + (u - 13) / scale;
    const list: Array<[number, number]> = [];
    for (let p = Math.max(from, Math.floor(start)); p < Math.min(to, Math.ceil(end)); p++) {
      const overlap = Math.min(end, p + 1) - Math.max(start, p);
      if (overlap > 0) list.push([p, overlap]);
    }
    out.push(list);
  }
  return out;
}

/** Draws a 28 × 28 input on `canvas` (28 × 28 backing pixels, shown large and pixelated by CSS): ink dark on white. */
export function drawDigit(canvas: HTMLCanvasElement, digit: Float32Array | null): void {
  const context = canvas.getContext('2d')!;
  const image = context.createImageData(28, 28);
  for (let i = 0; i < 28 * 28; i++) {
    const shade = 255 - Math.round((digit?.[i] ?? 0) * 226); // 29: the page's ink colour at full strength
    image.data[i * 4] = image.data[i * 4 + 1] = image.data[i * 4 + 2] = shade;
    image.data[i * 4 + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}
