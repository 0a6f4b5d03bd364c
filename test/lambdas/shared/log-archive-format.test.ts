import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  archiveKey,
  decompressArchive,
  indexKeyOf,
  LogArchiveFormatError,
  packArchive,
  parseIndex,
  parseLogKey,
  partOfIndexKey,
  previousUtcDay,
  serializeIndex,
  sha256Hex,
  unpackArchive,
  unpackEntry,
} from '../../../lambdas/shared/log-archive-format';

const text = (s: string) => new TextEncoder().encode(s);
const inputs = [
  { key: 'logs/api/2026/11/30/a.log', body: text('line 1\nline 2\n') },
  { key: 'logs/api/2026/11/30/b.log', body: text('') },
  { key: 'logs/api/2026/11/30/c.log', body: text('x'.repeat(5000)) },
];

describe('log archive format', () => {
  it('names archives and indexes deterministically per service, day and part', () => {
    expect(archiveKey('api', '2026-11-30', 7)).toBe('archive/api/2026/11/30/part-00007.gz');
    expect(indexKeyOf('archive/api/2026/11/30/part-00007.gz')).toBe('archive/api/2026/11/30/part-00007.index.json');
    expect(partOfIndexKey('archive/api/2026/11/30/part-00007.index.json')).toBe(7);
    expect(partOfIndexKey('archive/api/2026/11/30/part-00007.gz')).toBeUndefined();
    expect(() => archiveKey('a/b', '2026-11-30', 0)).toThrow("service must be a non-empty name without '/' (got \"a/b\")");
    expect(() => archiveKey('api', '2026-02-30', 0)).toThrow('day must be a calendar day yyyy-mm-dd (got "2026-02-30")');
  });

  it('takes the previous UTC day of the slot and reads service and day from a log key', () => {
    expect(previousUtcDay(new Date('2026-12-01T00:00:00Z'))).toBe('2026-11-30');
    expect(previousUtcDay(new Date('2027-01-01T00:00:59Z'))).toBe('2026-12-31');
    expect(previousUtcDay(new Date('2028-03-01T00:00:00Z'))).toBe('2028-02-29');
    expect(parseLogKey('logs/api/2026/11/30/x/y.log')).toEqual({ service: 'api', day: '2026-11-30' });
    expect(parseLogKey('logs/api/2026/13/30/y.log')).toBeUndefined();
    expect(parseLogKey('archive/api/2026/11/30/y.log')).toBeUndefined();
  });

  it('packs one gzip stream whose offsets, lengths and SHA-256 give every original back', () => {
    const { body, index } = packArchive('api', '2026-11-30', 0, inputs);
    // The whole archive is a gzip stream of the concatenated originals, smaller than they are.
    expect(gunzipSync(body).toString()).toBe(`line 1\nline 2\n${'x'.repeat(5000)}`);
    expect(body.length).toBeLessThan(200);
    expect(index.entries).toEqual([
      { key: 'logs/api/2026/11/30/a.log', offset: 0, length: 14, sha256: sha256Hex(inputs[0].body) },
      { key: 'logs/api/2026/11/30/b.log', offset: 14, length: 0, sha256: sha256Hex(inputs[1].body) },
      { key: 'logs/api/2026/11/30/c.log', offset: 14, length: 5000, sha256: sha256Hex(inputs[2].body) },
    ]);
    expect(index).toMatchObject({ archiveSize: body.length, archiveSha256: sha256Hex(body), uncompressedSize: 5014 });
    const stream = decompressArchive(index, body);
    expect(unpackEntry(index.entries[2], stream).toString()).toBe('x'.repeat(5000));
    expect(unpackArchive(index, body).map((o) => Buffer.from(o.body).toString())).toEqual(inputs.map((i) => Buffer.from(i.body).toString()));
  });

  it('refuses an archive or original that does not match its index', () => {
    const { body, index } = packArchive('api', '2026-11-30', 0, inputs);
    const tampered = Buffer.from(body);
    tampered[tampered.length - 5] ^= 0xff;
    expect(() => unpackArchive(index, tampered)).toThrow(
      `archive 'archive/api/2026/11/30/part-00000.gz' must be ${body.length} bytes with SHA-256 ${index.archiveSha256} (got ${body.length} bytes with ${sha256Hex(tampered)})`,
    );
    const e = { ...index.entries[0], sha256: '0'.repeat(64) };
    expect(() => unpackEntry(e, decompressArchive(index, body))).toThrow(
      `original 'logs/api/2026/11/30/a.log' must be 14 bytes with SHA-256 ${'0'.repeat(64)} (got 14 bytes with ${sha256Hex(inputs[0].body)})`,
    );
    expect(() => unpackArchive({ ...index, uncompressedSize: 1 }, body)).toThrow(LogArchiveFormatError);
  });

  it('round-trips the index through JSON and rejects a malformed one, naming the field', () => {
    const { index } = packArchive('api', '2026-11-30', 3, inputs);
    expect(parseIndex(serializeIndex(index), 'k')).toEqual(index);
    const broken = { ...index, entries: [index.entries[0], { ...index.entries[1], offset: 1 }, index.entries[2]] };
    expect(() => parseIndex(JSON.stringify(broken), 'k')).toThrow(
      `index 'k': entries[1].offset must be 14 (originals are contiguous) (got 1)`,
    );
    expect(() => parseIndex(JSON.stringify({ ...index, archiveKey: 'archive/x.gz' }), 'k')).toThrow(
      `index 'k': archiveKey must be "archive/api/2026/11/30/part-00003.gz" (got "archive/x.gz")`,
    );
    expect(() => parseIndex('{', 'k')).toThrow("index 'k': must be JSON");
  });
});
