import yauzl from 'yauzl';

/** The MIME type of an EPUB, also the required content of its `mimetype` entry (EPUB OCF 3.3, §4.2.2). */
export const EPUB_MEDIA_TYPE = 'application/epub+zip';

/** Why an upload is refused: not an EPUB we accept (400), or too large (413). */
export class EpubRejected extends Error {
  constructor(
    readonly code: 'INVALID_EPUB' | 'CONTENT_TOO_LARGE',
    message: string,
  ) {
    super(message);
    this.name = 'EpubRejected';
  }
}

/**
 * Extensions of entries that run code on some platform (scripts, executables, libraries). An EPUB
 * carrying one is refused: reading serves books, not programs.
 */
const EXECUTABLE_EXTENSIONS = new Set([
  'js', 'mjs', 'cjs', 'jsx', 'ts', 'wasm', 'exe', 'com', 'bat', 'cmd', 'sh', 'bash', 'zsh', 'ps1', 'psm1', 'vbs', 'vbe', 'wsf', 'msi', 'dll', 'so', 'dylib',
  'jar', 'class', 'py', 'pyc', 'pl', 'rb', 'php', 'scr', 'app', 'apk', 'bin', 'elf', 'dmg', 'deb', 'rpm', 'lnk', 'hta', 'swf',
]); // prettier-ignore

/** Manifest media types of scripts and programs (an OPF item of one of them is refused). */
const EXECUTABLE_MEDIA_TYPE = /^(application|text)\/(x-)?(javascript|ecmascript|typescript|wasm|sh|shellscript|msdownload|msdos-program|executable|java-archive|python|php)\b/i;

/** Markup that browsers and reading systems render (and might run scripts in). */
const MARKUP_EXTENSIONS = new Set(['xhtml', 'html', 'htm', 'xml', 'svg', 'opf', 'ncx', 'smil']);

/** Script in markup: a `<script>` element, an inline event handler attribute, a `javascript:` URL. */
const SCRIPT_IN_MARKUP = [/<script[\s>/]/i, /<[^>]*\son[a-z]+\s*=\s*["']/i, /=\s*["']\s*javascript\s*:/i];

/** One zip entry, read. */
interface Entry {
  name: string;
  compressionMethod: number;
  offset: number;
  uncompressedSize: number;
  /** The entry's bytes; only for the entries validation reads (mimetype, container, OPF, markup). */
  bytes?: Buffer;
}

const extensionOf = (name: string) => name.slice(name.lastIndexOf('.') + 1).toLowerCase();

/** Every entry of the archive `bytes` (yauzl: central directory, sizes checked); bodies of `wanted` ones read. */
async function readEntries(bytes: Buffer, wanted: (name: string) => boolean, maxUncompressedBytes: number): Promise<Entry[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (err, z) => (err ? reject(err) : resolve(z))),
  );
  return new Promise<Entry[]>((resolve, reject) => {
    const entries: Entry[] = [];
    let total = 0;
    const fail = (err: Error) => {
      zip.close();
      reject(err);
    };
    zip.on('error', fail);
    zip.on('end', () => resolve(entries));
    zip.on('entry', (e: yauzl.Entry) => {
      total += e.uncompressedSize;
      if (total > maxUncompressedBytes) return fail(new EpubRejected('INVALID_EPUB', `the archive unpacks to more than ${maxUncompressedBytes} bytes`));
      const entry: Entry = { name: e.fileName, compressionMethod: e.compressionMethod, offset: e.relativeOffsetOfLocalHeader, uncompressedSize: e.uncompressedSize };
      entries.push(entry);
      if (e.fileName.endsWith('/') || !wanted(e.fileName)) return zip.readEntry();
      zip.openReadStream(e, (err, stream) => {
        if (err) return fail(err);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', fail);
        stream.on('end', () => {
          entry.bytes = Buffer.concat(chunks);
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
}

/** The `full-path` of the first `<rootfile>` of `META-INF/container.xml` (EPUB OCF 3.3, §4.2.6.3.1). */
function rootfileOf(containerXml: string): string | null {
  const rootfile = /<rootfile\b[^>]*>/i.exec(containerXml)?.[0];
  return rootfile ? (/\bfull-path\s*=\s*(?:"([^"]+)"|'([^']+)')/i.exec(rootfile)?.slice(1).find(Boolean) ?? null) : null;
}

/**
 * Checks that `bytes` is an EPUB we serve: an OCF zip container (parsed by yauzl, which also
 * refuses absolute and `..` entry names and entries whose sizes lie) whose first entry is
 * `mimetype`, stored uncompressed, containing exactly `application/epub+zip`;
 * `META-INF/container.xml` naming a package document (OPF) that exists in the archive; and
 * nothing executable: no entry with a script or program extension ({@link EXECUTABLE_EXTENSIONS}),
 * no OPF manifest item of a script media type, no markup (XHTML, HTML, SVG, …) with a
 * `<script>` element, an inline event handler or a `javascript:` URL.
 * @param maxBytes largest accepted EPUB, bytes; it may unpack to at most 5 × that (zip bombs).
 * @throws EpubRejected `CONTENT_TOO_LARGE` over `maxBytes`, else `INVALID_EPUB` with what is wrong.
 */
export async function validateEpub(bytes: Buffer, maxBytes: number): Promise<void> {
  if (bytes.length > maxBytes) throw new EpubRejected('CONTENT_TOO_LARGE', `the EPUB is larger than ${maxBytes} bytes`);
  let entries: Entry[];
  try {
    entries = await readEntries(bytes, (name) => name === 'mimetype' || name === 'META-INF/container.xml' || MARKUP_EXTENSIONS.has(extensionOf(name)), 5 * maxBytes);
  } catch (err) {
    if (err instanceof EpubRejected) throw err;
    throw new EpubRejected('INVALID_EPUB', `not a readable zip archive (${(err as Error).message})`);
  }
  const first = entries[0];
  if (!first || first.name !== 'mimetype' || first.offset !== 0) throw new EpubRejected('INVALID_EPUB', 'the first entry of an EPUB must be "mimetype"');
  if (first.compressionMethod !== 0) throw new EpubRejected('INVALID_EPUB', 'the "mimetype" entry must be stored uncompressed');
  if (first.bytes?.toString('latin1') !== EPUB_MEDIA_TYPE) throw new EpubRejected('INVALID_EPUB', `the "mimetype" entry must contain "${EPUB_MEDIA_TYPE}"`);
  const container = entries.find((e) => e.name === 'META-INF/container.xml');
  if (!container?.bytes) throw new EpubRejected('INVALID_EPUB', 'META-INF/container.xml is missing');
  const opfPath = rootfileOf(container.bytes.toString('utf8'));
  const opf = opfPath ? entries.find((e) => e.name === opfPath) : undefined;
  if (!opf?.bytes)
    throw new EpubRejected('INVALID_EPUB', `META-INF/container.xml must point at the package document (rootfile full-path${opfPath ? ` "${opfPath}" is not in the archive` : ''})`);
  for (const e of entries) {
    if (EXECUTABLE_EXTENSIONS.has(extensionOf(e.name)) && !e.name.endsWith('/')) throw new EpubRejected('INVALID_EPUB', `executable content is not accepted: "${e.name}"`);
  }
  for (const m of opf.bytes.toString('utf8').matchAll(/\bmedia-type\s*=\s*(?:"([^"]+)"|'([^']+)')/gi)) {
    const type = m[1] ?? m[2] ?? '';
    if (EXECUTABLE_MEDIA_TYPE.test(type)) throw new EpubRejected('INVALID_EPUB', `executable content is not accepted: a manifest item of type "${type}"`);
  }
  for (const e of entries) {
    if (!e.bytes || !MARKUP_EXTENSIONS.has(extensionOf(e.name))) continue;
    const text = e.bytes.toString('utf8');
    if (SCRIPT_IN_MARKUP.some((re) => re.test(text))) throw new EpubRejected('INVALID_EPUB', `scripted content is not accepted: "${e.name}"`);
  }
}
