/** The command line of a benchmark run on its own: positional numbers, `--name=1,2` lists and `--flag`s. */
export interface BenchArgs {
  /** The positional arguments, as numbers (seconds, rounds, ...). */
  numbers: number[];
  /** The numbers of `--name=a,b,c`, or undefined when not given. */
  list: (name: string) => number[] | undefined;
  /** True when `--flag` was given. */
  has: (flag: string) => boolean;
}

/** Reads `argv` (process.argv.slice(2)). */
export function benchArgs(argv: readonly string[]): BenchArgs {
  return {
    numbers: argv.filter((a) => !a.startsWith('--')).map(Number),
    list: (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]?.split(',').map(Number),
    has: (flag) => argv.includes(`--${flag}`),
  };
}
