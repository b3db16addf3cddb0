import { commandUsage, parseCli, USAGE, UsageError } from './args.ts';
import { runEval } from './evaluate.ts';
import { EXPORT_USAGE, exportCommand } from './export.ts';
import { runPredict } from './predict.ts';
import { runPredictOnnx } from './predictOnnx.ts';
import { runTrain } from './train.ts';

/** Where a wrong command line sends the user: that command's usage when the command is known, else the list. */
function helpHint(argv: string[]): string {
  const command = argv[0];
  return command === 'train' || command === 'predict' || command === 'eval' || command === 'export'
    ? `pseudolab ${command} --help shows its usage`
    : 'pseudolab --help lists the commands';
}

/** The CLI's entry: returns the exit code; every failure is one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  try {
    // export parses its own options (export.ts): its formats grow independently of train, predict and eval.
    if (argv[0] === 'export') {
      await exportCommand(argv.slice(1));
      return 0;
    }
    const args = parseCli(argv);
    switch (args.command) {
      case 'help':
        console.log(args.topic ? commandUsage(args.topic) : `${USAGE}\n  ${EXPORT_USAGE.synopsis.replace(/\n/g, '\n  ')}\n      ${EXPORT_USAGE.summary}`);
        return 0;
      case 'train':
        await runTrain(args);
        return 0;
      case 'predict':
        await ('onnx' in args ? runPredictOnnx(args) : runPredict(args));
        return 0;
      case 'eval':
        await runEval(args);
        return 0;
    }
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    console.error(`pseudolab: ${message}${e instanceof UsageError ? ` (${helpHint(argv)})` : ''}`);
    return e instanceof UsageError ? 2 : 1;
  }
}
