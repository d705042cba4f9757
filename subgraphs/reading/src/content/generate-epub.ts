import epubGen from 'epub-gen-memory';

/** What a generated EPUB shows: the catalog entry of its book. */
export interface EpubMetadata {
  title: string;
  author: string;
  publishedYear: number;
}

/** `epub-gen-memory` is CommonJS with an ES-style `default`: under Node's ESM the import is the module object. */
const generate = (epubGen as unknown as { default?: typeof epubGen }).default ?? epubGen;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A small EPUB 3 of a catalog book (epub-gen-memory): its metadata (title, author) and a title
 * page. For `pnpm dev`'s seeded catalog, so every seeded book has something to read; it passes
 * {@link validateEpub}. About 3 KB, tens of ms.
 */
export async function generateTitlePageEpub(book: EpubMetadata): Promise<Buffer> {
  const title = escapeHtml(book.title);
  const author = escapeHtml(book.author);
  return generate({ title: book.title, author: book.author, lang: 'en', verbose: false, ignoreFailedDownloads: true }, [
    {
      title: book.title,
      content: `<h1>${title}</h1><p>${author}</p><p>${book.publishedYear}</p><p>A public-domain book of the demo catalog: this title page is all it holds.</p>`,
    },
  ]);
}
