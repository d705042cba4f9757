// Prettier (`pnpm format`, `pnpm format:check`): the style the code was written in — single
// quotes, trailing commas everywhere, long lines (printWidth 180 rewrites the fewest lines of the
// tree: 140 rewrites about twice as many). Indentation, line endings and the line length agree
// with .editorconfig (a unit test in test/build-config.unit.spec.ts compares them).
// What Prettier leaves alone is listed in .prettierignore.
/** @type {import('prettier').Config} */
export default {
  printWidth: 180,
  tabWidth: 2,
  useTabs: false,
  endOfLine: 'lf',
  singleQuote: true,
  trailingComma: 'all',
  overrides: [
    // Kubernetes manifests and workflow files quote with double quotes, as their documentation does.
    { files: ['*.yaml', '*.yml'], options: { singleQuote: false } },
  ],
};
