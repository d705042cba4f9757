import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { validateEpub } from './epub';
import { generateTitlePageEpub } from './generate-epub';

const MAX = 1024 * 1024;
const CONTAINER = `<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>`;
const OPF = (items = '') =>
  `<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><manifest><item id="c" href="c.xhtml" media-type="application/xhtml+xml"/>${items}</manifest></package>`;
const XHTML = (body: string) => `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body>${body}</body></html>`;

/** An EPUB-shaped zip built entry by entry (jszip), so each test breaks exactly one rule. */
async function zip(opts: { mimetype?: string | null; mimetypeCompressed?: boolean; container?: string | null; files?: Record<string, string> } = {}): Promise<Buffer> {
  const z = new JSZip();
  if (opts.mimetype !== null) z.file('mimetype', opts.mimetype ?? 'application/epub+zip', { compression: opts.mimetypeCompressed ? 'DEFLATE' : 'STORE' });
  if (opts.container !== null) z.file('META-INF/container.xml', opts.container ?? CONTAINER);
  for (const [name, text] of Object.entries(opts.files ?? { 'OEBPS/content.opf': OPF(), 'OEBPS/c.xhtml': XHTML('<p>Call me Ishmael.</p>') })) z.file(name, text);
  return z.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

const refusal = async (bytes: Buffer, max = MAX) =>
  validateEpub(bytes, max).then(
    () => null,
    (err: { code: string; message: string }) => ({ code: err.code, message: err.message }),
  );

describe('EPUB validation (OCF container, nothing executable)', () => {
  it('accepts a well-formed EPUB: the hand-built one and the generated seed EPUB', async () => {
    expect(await refusal(await zip())).toBeNull();
    const generated = await generateTitlePageEpub({ title: 'Moby-Dick <or, The Whale>', author: 'Herman Melville', publishedYear: 1851 });
    expect(await refusal(generated)).toBeNull();
  });

  it('refuses what is not an EPUB container: not a zip, no or a wrong or a compressed mimetype entry, no container.xml, a rootfile that is absent', async () => {
    expect((await refusal(Buffer.from('%PDF-1.7 not a zip')))?.code).toBe('INVALID_EPUB');
    expect(await refusal(await zip({ mimetype: null }))).toEqual({ code: 'INVALID_EPUB', message: 'the first entry of an EPUB must be "mimetype"' });
    expect((await refusal(await zip({ mimetype: 'application/zip' })))?.message).toMatch(/must contain "application\/epub\+zip"/);
    expect((await refusal(await zip({ mimetypeCompressed: true })))?.message).toMatch(/stored uncompressed/);
    expect((await refusal(await zip({ container: null })))?.message).toMatch(/container\.xml is missing/);
    expect((await refusal(await zip({ files: { 'OEBPS/c.xhtml': XHTML('') } })))?.message).toMatch(/"OEBPS\/content\.opf" is not in the archive/);
  });

  it('refuses executable content: script files, script manifest items, <script> and event handlers in XHTML or SVG', async () => {
    const base = { 'OEBPS/content.opf': OPF(), 'OEBPS/c.xhtml': XHTML('<p>ok</p>') };
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...base, 'OEBPS/js/reader.js': 'alert(1)' }, /executable content.*reader\.js/],
      [{ ...base, 'tools/install.sh': '#!/bin/sh' }, /executable content.*install\.sh/],
      [{ ...base, 'OEBPS/setup.EXE': 'MZ' }, /executable content.*setup\.EXE/],
      [{ ...base, 'OEBPS/content.opf': OPF('<item id="s" href="s" media-type="application/javascript"/>') }, /manifest item of type "application\/javascript"/],
      [{ ...base, 'OEBPS/c.xhtml': XHTML('<p>hi</p><script>fetch("/x")</script>') }, /scripted content.*c\.xhtml/],
      [{ ...base, 'OEBPS/c.xhtml': XHTML('<img src="a.png" onerror="alert(1)"/>') }, /scripted content/],
      [{ ...base, 'OEBPS/i.svg': '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' }, /scripted content.*i\.svg/],
      [{ ...base, 'OEBPS/c.xhtml': XHTML('<a href="javascript:alert(1)">x</a>') }, /scripted content/],
    ];
    for (const [files, message] of cases) {
      const r = await refusal(await zip({ files }));
      expect(r?.code, String(message)).toBe('INVALID_EPUB');
      expect(r?.message).toMatch(message);
    }
    // Prose about scripts is not a script.
    expect(await refusal(await zip({ files: { ...base, 'OEBPS/c.xhtml': XHTML('<p>Use a script; onward = "north". javascript: a language.</p>') } }))).toBeNull();
  });

  it('refuses a file over the size limit, and one that unpacks to more than 5 × the limit', async () => {
    const big = await zip();
    expect(await refusal(big, big.length - 1)).toEqual({ code: 'CONTENT_TOO_LARGE', message: `the EPUB is larger than ${big.length - 1} bytes` });
    const bomb = await zip({ files: { 'OEBPS/content.opf': OPF(), 'OEBPS/c.xhtml': XHTML('<p>' + 'a'.repeat(6 * 20_000) + '</p>') } });
    expect(bomb.length).toBeLessThan(20_000);
    expect((await refusal(bomb, 20_000))?.message).toMatch(/unpacks to more than 100000 bytes/);
  });
});
