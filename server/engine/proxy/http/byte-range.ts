/** buffer[from, to), without making a new Buffer when that is the whole of it (the usual case on the hot path). */
export function byteRange(buffer: Buffer, from: number, to: number): Buffer {
  return from === 0 && to === buffer.length ? buffer : buffer.subarray(from, to);
}
