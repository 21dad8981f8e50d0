/**
 * A whole WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked as a server's frames are),
 * built once and written as is to every socket that gets it: through ws, each of ten thousand
 * sockets would frame the same bytes again and write them in two pieces.
 */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) frame[1] = length;
  else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, headerLength);
  return frame;
}
