/*
 * The layer rules of src/, checked by dependency-cruiser (`npm run check:layers`, and in scripts/test.sh).
 * docs/architecture.md ("Layers") says what each folder holds; this file is where the rules themselves live.
 *
 * Type-only imports (`import type`) vanish at compile time, so most rules let them through
 * (`dependencyTypesNot: ['type-only']`): a panel may name a worker message's type without loading the engine.
 *
 * Test code (`*.test.ts`, `testing/` helpers, and gpu/checks and gpu/bench, which are the kernel comparisons and
 * benchmarks run in Node and on kernels.html) sits above every layer and may import what it checks.
 */

/** Test and benchmark code, exempt from the layer rules (not from the train-tests-vs-cli rule). */
const TEST_CODE = ['\\.test\\.tsx?$', '/testing/', '^src/gpu/checks/', '^src/gpu/bench/'];

/** The folders whose code runs on the main thread: the page never loads tfjs. */
const MAIN_THREAD = '^src/(ui|store|app|viewer|persist|io|volume|data|text|demo)/|^src/main\\.tsx$';

/**
 * The main thread's window into train/: the modules the page may import at run time. Each holds names, labels,
 * presets, sizes, message types or plain-data codecs and imports no tfjs; the `train-surface-stays-light` rule
 * below keeps it that way, so the page's bundle carries no tfjs however these grow. A module the page needs from
 * train/ is added here (and must then pass that rule).
 */
const TRAIN_SURFACE = [
  '^src/train/backendNames\\.ts$',
  '^src/train/config\\.ts$',
  // Training methods: names, labels, switches, and losses written against an injected kit of tensor functions.
  '^src/train/methods/',
  '^src/train/modelSize\\.ts$',
  '^src/train/describeMemory\\.ts$',
  '^src/train/engineFailure\\.ts$',
  '^src/train/protocol\\.ts$',
  '^src/train/TrainingClient\\.ts$',
  '^src/train/checkpoint\\.ts$',
  '^src/train/vlm/textGuidanceConfig\\.ts$',
  '^src/train/vlm/vlmPretrainConfig\\.ts$',
  // An imported ONNX model's sidecar, worker messages and client (the runtime itself stays in the worker).
  '^src/train/onnx/(OnnxClient|onnxProtocol|sidecar)\\.ts$',
];

/** What the page must never load: tfjs and the code built on it. */
const ENGINE = ['^node_modules/@tensorflow/', '^src/model/', '^src/gpu/', '^src/cli/'];

const RUNTIME = { dependencyTypesNot: ['type-only'] };

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'main-thread-no-tfjs',
      comment:
        'Main-thread code (ui, store, app, viewer, persist, io and the pure layers they use) never loads tfjs, ' +
        'model/, gpu/ or cli/: training runs in the worker. Import the type, or move the value to a tfjs-free module.',
      severity: 'error',
      from: { path: MAIN_THREAD, pathNot: TEST_CODE },
      to: { path: ENGINE, ...RUNTIME },
    },
    {
      name: 'main-thread-train-surface-only',
      comment:
        'Main-thread code imports from train/ only the modules listed in TRAIN_SURFACE (.dependency-cruiser.cjs); ' +
        'the rest of train/ loads tfjs.',
      severity: 'error',
      from: { path: MAIN_THREAD, pathNot: TEST_CODE },
      to: { path: '^src/train/', pathNot: TRAIN_SURFACE, ...RUNTIME },
    },
    {
      name: 'train-surface-stays-light',
      comment:
        'A module of the main thread\'s train surface imports no tfjs, model/, gpu/, cli/ and no train/ module ' +
        'outside the surface, so everything the page reaches through it is tfjs-free.',
      severity: 'error',
      from: { path: TRAIN_SURFACE },
      to: { path: [...ENGINE, '^src/train/', '^src/(ui|app|store|viewer|persist)/'], pathNot: TRAIN_SURFACE, ...RUNTIME },
    },
    {
      name: 'tfjs-only-in-engine',
      comment: 'tfjs has one home: model/, train/ and gpu/ (and the CLI that drives them).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(model|train|gpu|cli)/', ...TEST_CODE] },
      to: { path: '^node_modules/@tensorflow/' },
    },
    {
      name: 'cornerstone-only-in-viewer',
      comment: 'viewer/ is the only code that imports cornerstone3D (io uses only the DICOM loader\'s decoders).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/viewer/', ...TEST_CODE] },
      to: { path: '^node_modules/@cornerstonejs/(core|tools)/', ...RUNTIME },
    },
    {
      name: 'react-only-in-ui',
      comment: 'React components live in ui/; the layers below are plain TypeScript that runs in Node tests.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/ui/', '^src/main\\.tsx$', ...TEST_CODE] },
      to: { path: '^node_modules/react(-dom)?/', ...RUNTIME },
    },
    {
      name: 'nothing-imports-ui',
      comment: 'ui/ is the top layer: nothing below it imports a component.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/ui/', '^src/main\\.tsx$', ...TEST_CODE] },
      to: { path: '^src/ui/' },
    },
    {
      name: 'ui-not-on-persist',
      comment:
        'ui/ reaches storage only through app/ (commands) and store/ (state): a component that reads or keys ' +
        'stored records itself would bypass the one tab that writes and the autosaver\'s order of writes.',
      severity: 'error',
      from: { path: '^src/ui/', pathNot: TEST_CODE },
      to: { path: '^src/persist/' },
    },
    {
      name: 'app-only-from-ui',
      comment: 'app/ holds the commands the UI calls; the layers below it do not call back up into it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(ui|app)/', '^src/main\\.tsx$', ...TEST_CODE] },
      to: { path: '^src/app/', ...RUNTIME },
    },
    {
      name: 'volume-is-the-bottom',
      comment: 'volume/ is the domain model: it imports no other layer.',
      severity: 'error',
      from: { path: '^src/volume/', pathNot: TEST_CODE },
      to: { path: '^src/', pathNot: '^src/volume/' },
    },
    {
      name: 'io-data-text-demo-below-engine',
      comment:
        'io/, data/, text/ and demo/ are pure and run on the page, in the worker and in Node: they import only ' +
        'volume/ and each other as docs/architecture.md lists, never store/, persist/, viewer/ or the engine.',
      severity: 'error',
      from: { path: '^src/(io|data|text|demo)/', pathNot: TEST_CODE },
      to: { path: '^src/(store|persist|viewer|train|model|gpu|cli)/' },
    },
    {
      name: 'model-below-train',
      comment:
        'model/ holds networks and their ops; it imports no train/, cli/ or gpu/ code, except the one seam ' +
        'below. model/ops.ts asks gpu/customKernels.ts whether our WGSL kernels run (customKernelsActive) to ' +
        'route a convolution\'s gradient; the kernels register themselves with tfjs by name, so this flag is the ' +
        'only thing the model needs from gpu/.',
      severity: 'error',
      from: { path: '^src/model/', pathNot: TEST_CODE },
      to: {
        path: '^src/(train|cli|gpu|store|persist|viewer|app|ui)/',
        pathNot: '^src/gpu/customKernels\\.ts$',
      },
    },
    {
      name: 'model-gpu-seam-is-ops-only',
      comment: 'Only model/ops.ts crosses into gpu/ (see model-below-train).',
      severity: 'error',
      from: { path: '^src/model/', pathNot: ['^src/model/ops\\.ts$', ...TEST_CODE] },
      to: { path: '^src/gpu/' },
    },
    {
      name: 'gpu-below-train',
      comment:
        'gpu/ sits below train/: kernels, their CPU references and dispatch import no train/ or cli/ code. ' +
        'gpu/checks and gpu/bench are test code and may (TEST_CODE).',
      severity: 'error',
      from: { path: '^src/gpu/', pathNot: TEST_CODE },
      to: { path: '^src/(train|cli|store|persist|viewer|app|ui)/', ...RUNTIME },
    },
    {
      name: 'engine-not-on-ui-state',
      comment: 'train/ runs in the worker and in Node: it imports no store/, persist/, viewer/, app/ or ui/ code.',
      severity: 'error',
      from: { path: '^src/train/', pathNot: TEST_CODE },
      to: { path: '^src/(store|persist|viewer|app|ui|cli)/', ...RUNTIME },
    },
    {
      name: 'train-tests-not-on-cli',
      comment:
        'Tests of train/ test the engine, not the command line: a test that needs the CLI (reading a dataset ' +
        'folder, `pseudolab predict`) belongs beside the CLI in cli/.',
      severity: 'error',
      from: { path: '^src/train/.*\\.test\\.ts$' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that cannot be resolved is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    // Type-only imports count as dependencies (so the rules can tell them apart), typed `type-only`.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      mainFields: ['module', 'main'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
