import { describe, expect, it } from 'vitest';
import { MediaProblemKind, describeMediaError, insecureContextProblem, noDevicesProblem } from './media-errors';

const err = (name: string) => Object.assign(new Error('x'), { name });
const both = { audio: true, video: true };

describe('describeMediaError', () => {
  it.each([
    ['NotAllowedError', MediaProblemKind.PermissionDenied],
    ['PermissionDeniedError', MediaProblemKind.PermissionDenied],
    ['NotFoundError', MediaProblemKind.NotFound],
    ['DevicesNotFoundError', MediaProblemKind.NotFound],
    ['NotReadableError', MediaProblemKind.InUse],
    ['TrackStartError', MediaProblemKind.InUse],
    ['OverconstrainedError', MediaProblemKind.Overconstrained],
    ['SecurityError', MediaProblemKind.InsecureContext],
    ['TypeError', MediaProblemKind.InsecureContext],
    ['AbortError', MediaProblemKind.Unknown],
  ])('maps %s to %s', (name, kind) => {
    const problem = describeMediaError(err(name), both);
    expect(problem.kind).toBe(kind);
    expect(problem.errorName).toBe(name);
    expect(problem.title.length).toBeGreaterThan(0);
    expect(problem.help.length).toBeGreaterThan(0);
  });

  it('accepts DOMException-like plain objects and non-errors', () => {
    expect(describeMediaError({ name: 'NotReadableError' }, both).kind).toBe(MediaProblemKind.InUse);
    expect(describeMediaError('boom', both).kind).toBe(MediaProblemKind.Unknown);
    expect(describeMediaError(undefined, both).errorName).toBe('Error');
  });

  it('names the devices that were asked for', () => {
    expect(describeMediaError(err('NotFoundError'), { audio: false, video: true }).title).toBe('No camera found.');
    expect(describeMediaError(err('NotFoundError'), { audio: true, video: false }).title).toBe('No microphone found.');
    expect(describeMediaError(err('NotAllowedError'), both).title).toContain('camera and microphone');
  });

  it('tells what to do: in use says close the other app; denied offers joining without', () => {
    expect(describeMediaError(err('NotReadableError'), both).help).toMatch(/another application/i);
    expect(describeMediaError(err('NotAllowedError'), both).help).toMatch(/audio only|without/i);
  });

  it('has ready-made problems for no devices and insecure pages', () => {
    expect(noDevicesProblem().kind).toBe(MediaProblemKind.NotFound);
    expect(insecureContextProblem().kind).toBe(MediaProblemKind.InsecureContext);
  });
});
