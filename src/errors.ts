/**
 * Errors with stable codes. Every error a user can cause carries a code, an exit status
 * (2: bad config or arguments, nothing written; 1: failure during a run) and, where known,
 * the file, line, column and config path it is about. The CLI prints `format()` of it.
 */

/** Where in a source file an error points. Lines and columns are 1-based. */
export interface SourceLocation {
  file?: string;
  line?: number;
  col?: number;
  /** Dotted config path, e.g. `model.layers.1.units`. */
  path?: string;
}

/** Stable error codes; scripts and tests match on these, so never rename one. */
export type ErrorCode =
  | 'E_ARGS' // bad command line
  | 'E_CONFIG_READ' // config file missing or unreadable
  | 'E_CONFIG_YAML' // YAML syntax error
  | 'E_CONFIG_SCHEMA' // schema violation
  | 'E_CONFIG_CHECK' // cross-field rule violated
  | 'E_CONFIG_OVERRIDE' // bad --set
  | 'E_CONFIG_EXTENDS' // extends chain problem
  | 'E_REGISTRY_UNKNOWN' // unknown name in a registry
  | 'E_REGISTRY_DUPLICATE' // name registered twice
  | 'E_DATA_MISSING' // dataset files not found
  | 'E_DATA_FORMAT' // dataset file malformed
  | 'E_BACKEND' // requested backend unavailable
  | 'E_RUN_DIR' // run directory problem
  | 'E_CHECKPOINT' // checkpoint missing or corrupt
  | 'E_SWEEP_DIR' // sweep directory missing, unreadable, busy or not matching the sweep file
  | 'E_TRAIN' // failure during training
  | 'E_INTERRUPTED' // stopped by SIGINT or SIGTERM (exit 130 or 143)
  | 'E_EXPORT' // the model cannot be exported (e.g. a layer type without a plain equivalent)
  | 'E_EXPORT_OUT' // export output directory exists and is not empty (or cannot be written)
  | 'E_EXPORT_FORMAT' // an export directory's files are missing or malformed
  | 'E_IMPORT' // a model to import (init.from, svd init) is unreadable or has an unsupported op or shape
  | 'E_SLURM'; // a Slurm command failed or is missing (the slurm sweep executor)

/** 2: bad config or arguments; 1: failure during a run; 130 / 143: stopped by SIGINT / SIGTERM. */
export type ExitCode = 1 | 2 | 130 | 143;

/** An error meant for the user: coded, located, with an exit status. */
export class SvdError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly location: SourceLocation;

  constructor(code: ErrorCode, message: string, location: SourceLocation = {}, exitCode?: ExitCode) {
    super(message);
    this.name = 'SvdError';
    this.code = code;
    this.location = location;
    this.exitCode = exitCode ?? (code === 'E_TRAIN' || code === 'E_CHECKPOINT' ? 1 : 2);
  }

  /** `file:line:col: path: message` with the parts that are known. */
  format(): string {
    const { file, line, col, path } = this.location;
    let where = '';
    if (file) where += file + (line ? `:${line}${col ? `:${col}` : ''}` : '') + ': ';
    if (path) where += `${path}: `;
    return `${where}${this.message}`;
  }
}

/** A list of problems reported together (e.g. every schema error in a config). */
export class SvdErrors extends SvdError {
  readonly errors: SvdError[];
  constructor(errors: SvdError[]) {
    super(errors[0]?.code ?? 'E_CONFIG_SCHEMA', errors.map((e) => e.format()).join('\n'), {}, errors[0]?.exitCode ?? 2);
    this.errors = errors;
  }
  override format(): string {
    return this.errors.map((e) => e.format()).join('\n');
  }
}
