import { parseCli, USAGE, UsageError } from './args.ts';
import { runEval } from './evaluate.ts';
import { runPredict } from './predict.ts';
import { runTrain } from './train.ts';

/** The CLI's entry: returns the exit code; every failure is one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseCli(argv);
    switch (args.command) {
      case 'help':
        console.log(USAGE);
        return 0;
      case 'train':
        await runTrain(args);
        return 0;
      case 'predict':
        await runPredict(args);
        return 0;
      case 'eval':
        await runEval(args);
        return 0;
    }
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    console.error(`pseudolab: ${message}${e instanceof UsageError ? ' (pseudolab help lists the commands)' : ''}`);
    return e instanceof UsageError ? 2 : 1;
  }
}
