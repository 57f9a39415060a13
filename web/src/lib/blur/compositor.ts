// Draws one outgoing frame: the camera picture sharp, with a blurred copy of it laid over the
// background through the latest mask. It runs for every frame (up to 30 fps) on the page, so
// it sticks to what a software canvas does fast. Measured in headless Chromium here: Porter-
// Duff modes other than source-over (destination-in, source-in) cost 40-70 ms a frame at
// 640x480, and a full-size blur filter 40-120 ms; this way costs a few ms. The blur is a
// downscale to 1/BLUR_DOWNSCALE with a small filter at that size, stretched back smoothed; the
// "hole" for the person is cut by writing alpha bytes into a quarter-size layer (BG_SCALE),
// whose smoothed upscale also feathers the mask's edges.

/** The background is blurred by drawing it at this fraction of its size and back. */
export const BLUR_DOWNSCALE = 16;
/** Blur radius (px) applied at the small size, where it is cheap. */
export const SMALL_BLUR_PX = 1.5;
/** The blurred background layer (with the person cut out) is this fraction of the frame. */
export const BG_SCALE = 4;
/** The mask's edges are feathered by this many pixels at the layer's size. */
export const MASK_FEATHER_PX = 1;

type Ctx2D = CanvasRenderingContext2D;

function scratch(width: number, height: number, options?: CanvasRenderingContext2DSettings): { canvas: HTMLCanvasElement; ctx: Ctx2D } {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', options);
  if (!ctx) throw new Error('this browser cannot draw on a canvas');
  return { canvas, ctx };
}

/** Composes blurred frames onto `output`. */
export class BlurCompositor {
  private readonly out: Ctx2D;
  private small = scratch(1, 1);
  /** Background layer: blurred picture, alpha 0 where the person is. Read back every frame. */
  private layer = scratch(1, 1, { willReadFrequently: true });
  /** The latest mask as alpha (255 = person), at the mask's size. */
  private mask = scratch(1, 1);
  /** Per layer pixel: the background layer's alpha (0 on the person), or null before a mask. */
  private alpha: Uint8ClampedArray | null = null;
  /** Where the mask is scaled to the layer's size, feathered, and read back (once per mask). */
  private feather = scratch(1, 1, { willReadFrequently: true });
  private maskDirty = false;
  private readonly filterSupported: boolean;

  constructor(readonly output: HTMLCanvasElement) {
    const ctx = output.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('this browser cannot draw on a canvas');
    this.out = ctx;
    this.filterSupported = 'filter' in this.small.ctx;
  }

  /** Whether a mask has arrived yet (without one, the whole frame is drawn blurred). */
  get ready(): boolean {
    return this.alpha !== null || this.maskDirty;
  }

  /** Takes a new mask: one byte per pixel, non-zero = person. */
  setMask(width: number, height: number, data: Uint8Array): void {
    if (width <= 0 || height <= 0 || data.length < width * height) throw new Error(`bad mask ${width}x${height} (${data.length} bytes)`);
    if (this.mask.canvas.width !== width || this.mask.canvas.height !== height) this.mask = scratch(width, height);
    const image = this.mask.ctx.createImageData(width, height);
    const px = image.data;
    for (let i = 0, n = width * height; i < n; i++) px[i * 4 + 3] = data[i] ? 255 : 0;
    this.mask.ctx.putImageData(image, 0, 0);
    this.maskDirty = true;
  }

  /** Draws `source` (the camera's video element), `width` x `height`, onto the output. */
  draw(source: CanvasImageSource, width: number, height: number): void {
    if (this.output.width !== width || this.output.height !== height) {
      this.output.width = width;
      this.output.height = height;
    }
    const sw = Math.max(1, Math.round(width / BLUR_DOWNSCALE));
    const sh = Math.max(1, Math.round(height / BLUR_DOWNSCALE));
    const lw = Math.max(1, Math.round(width / BG_SCALE));
    const lh = Math.max(1, Math.round(height / BG_SCALE));
    if (this.small.canvas.width !== sw || this.small.canvas.height !== sh) this.small = scratch(sw, sh);
    if (this.layer.canvas.width !== lw || this.layer.canvas.height !== lh) {
      this.layer = scratch(lw, lh, { willReadFrequently: true });
      if (this.alpha) this.maskDirty = true;
      this.alpha = null;
    }
    if (this.maskDirty) this.updateAlpha(lw, lh);

    // The sharp frame first: the video is converted once, the rest reads this canvas.
    this.out.drawImage(source, 0, 0, width, height);

    // Blurred copy: shrink (with a little blur at that size), stretch to the layer.
    const s = this.small.ctx;
    if (this.filterSupported) s.filter = `blur(${SMALL_BLUR_PX}px)`;
    s.drawImage(this.output, 0, 0, sw, sh);
    if (this.filterSupported) s.filter = 'none';
    const l = this.layer.ctx;
    l.imageSmoothingEnabled = true;
    l.drawImage(this.small.canvas, 0, 0, lw, lh);
    if (this.alpha) {
      // Cut the person out of the blurred layer.
      const image = l.getImageData(0, 0, lw, lh);
      const px = image.data;
      const alpha = this.alpha;
      for (let i = 0, n = lw * lh; i < n; i++) px[i * 4 + 3] = alpha[i]!;
      l.putImageData(image, 0, 0);
    }
    this.out.imageSmoothingEnabled = true;
    this.out.drawImage(this.layer.canvas, 0, 0, width, height);
  }

  /** The layer's alpha from the latest mask: scaled to the layer, feathered, inverted. */
  private updateAlpha(lw: number, lh: number): void {
    this.maskDirty = false;
    if (this.feather.canvas.width !== lw || this.feather.canvas.height !== lh) this.feather = scratch(lw, lh, { willReadFrequently: true });
    const f = this.feather.ctx;
    f.clearRect(0, 0, lw, lh);
    if (this.filterSupported) f.filter = `blur(${MASK_FEATHER_PX}px)`;
    f.imageSmoothingEnabled = true;
    f.drawImage(this.mask.canvas, 0, 0, lw, lh);
    if (this.filterSupported) f.filter = 'none';
    const px = f.getImageData(0, 0, lw, lh).data;
    const alpha = new Uint8ClampedArray(lw * lh);
    for (let i = 0; i < alpha.length; i++) alpha[i] = 255 - px[i * 4 + 3]!;
    this.alpha = alpha;
  }
}
