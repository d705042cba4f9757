/** Types of scripts/workspace-packages.mjs. */
/** The workspace packages' folders (relative to `root`, default the repository root), sorted. */
export declare function workspacePackages(root?: string): string[];
