/**
 * The texts that describe a class to a text encoder. TAK (the TAK paper, Gu et al., Sec. 3.2 and Table 5) uses three per
 * class: a name prompt (theirs reads "A computerized tomography scan of the human abdomen includes the [CLS]";
 * ours is the shorter "A CT scan of the liver.", with the scan type taken from the volume so MR and microscopy
 * workspaces get their own), a position prompt (where the structure lies relative to its neighbours) and a
 * shape prompt (its form). PromptSSL and DuSSS use one text per class; `combined` joins the three into one
 * sentence for them.
 *
 * ClassDef's position and shape are whatever the user typed, often a fragment ("right upper abdomen, in front
 * of the vena cava"). A fragment becomes a sentence about the class ("The liver lies in the right upper
 * abdomen, …") by a small rule on its first word; a text that already reads as a full sentence is used as is.
 */
import type { ClassDef } from '../volume/classes.ts';
import type { Volume } from '../volume/Volume.ts';

export interface ClassPrompts {
  /** TAK's name prompt: "An MR scan of the liver." */
  name: string;
  /** TAK's position prompt, a sentence about where the class lies. */
  position: string;
  /** TAK's shape prompt, a sentence about its form. */
  shape: string;
  /** The single class text of PromptSSL/DuSSS: name, position and shape in one sentence. */
  combined: string;
}

export type Modality = 'CT' | 'MR' | 'PET' | 'X-ray' | 'ultrasound' | 'microscopy' | 'endoscopy';

/** How a name prompt opens for each modality: a scan for tomography, an image for the rest. */
const MODALITY_OPENING: Record<Modality, string> = {
  CT: 'A CT scan',
  MR: 'An MR scan',
  PET: 'A PET scan',
  'X-ray': 'An X-ray image',
  ultrasound: 'An ultrasound image',
  microscopy: 'A microscopy image',
  endoscopy: 'An endoscopy image',
};
const GENERIC_OPENING = 'A medical image';

/** DICOM modality codes (tag 0008,0060) and the words people type, compared without case, spaces or dashes. */
const MODALITY_ALIASES: Record<string, Modality> = {
  ct: 'CT',
  cta: 'CT',
  computedtomography: 'CT',
  mr: 'MR',
  mri: 'MR',
  magneticresonance: 'MR',
  magneticresonanceimaging: 'MR',
  pt: 'PET',
  pet: 'PET',
  cr: 'X-ray',
  dx: 'X-ray',
  rg: 'X-ray',
  xray: 'X-ray',
  radiograph: 'X-ray',
  radiography: 'X-ray',
  us: 'ultrasound',
  ultrasound: 'ultrasound',
  sonography: 'ultrasound',
  sm: 'microscopy',
  gm: 'microscopy',
  microscopy: 'microscopy',
  histology: 'microscopy',
  histopathology: 'microscopy',
  pathology: 'microscopy',
  he: 'microscopy',
  es: 'endoscopy',
  endoscopy: 'endoscopy',
};

/** The modality a free-form or DICOM modality string names, or null when we do not know it. */
export function canonicalModality(modality: string | null | undefined): Modality | null {
  if (!modality) return null;
  const key = modality.toLowerCase().replace(/[\s\-_&.]/g, '');
  return MODALITY_ALIASES[key] ?? null;
}

/**
 * What the volume says about its modality: DICOM's Modality tag, or MR for the demo (an MR phantom). NIfTI and
 * PNG carry none; we do not guess from the pixels, and the prompts fall back to "a medical image".
 */
export function modalityOfVolume(volume: Volume): string | undefined {
  if (volume.source.format === 'dicom') return volume.source.modality;
  if (volume.source.format === 'demo') return 'MR';
  return undefined;
}

/** The four prompts of a class, for a volume of `modality` (a DICOM code or a word; unknown → generic). */
export function classPrompts(cls: ClassDef, modality?: string | null): ClassPrompts {
  const name = className(cls);
  const opening = modalityOpening(modality);
  const namePrompt = `${opening} of the ${name}.`;
  const position = describe(cls.position, name, 'position');
  const shape = describe(cls.shape, name, 'shape');

  // One sentence: "An MR scan of the liver, which lies in …, and is large, …". Empty fields add nothing (a
  // filler sentence would give every class the same words). A user's own full sentence that does not start
  // with the class name cannot become a clause, so it follows as a sentence of its own.
  const predicates = [position, shape].flatMap((d) => (d.predicate ? [d.predicate] : []));
  const extra = [position, shape].flatMap((d) => (d.given && !d.predicate ? [d.sentence] : []));
  const head = predicates.length > 0 ? `${opening} of the ${name}, which ${predicates.join(', and ')}.` : namePrompt;
  return { name: namePrompt, position: position.sentence, shape: shape.sentence, combined: [head, ...extra].join(' ') };
}

/** Class 0's text, for methods that score the background against the class texts (PromptSSL's softmax). */
export function backgroundPrompt(modality?: string | null): string {
  return `${modalityOpening(modality)} of the background, outside every labelled structure.`;
}

/**
 * Every prompt text of a workspace's classes, background included: the corpus a tokenizer is built from so
 * that each of them encodes as whole words.
 */
export function classPromptCorpus(classes: readonly ClassDef[], modality?: string | null): string[] {
  const out = [backgroundPrompt(modality)];
  for (const cls of classes) {
    const p = classPrompts(cls, modality);
    out.push(p.name, p.position, p.shape, p.combined);
  }
  return out;
}

function modalityOpening(modality: string | null | undefined): string {
  const m = canonicalModality(modality);
  return m ? MODALITY_OPENING[m] : GENERIC_OPENING;
}

/**
 * The class name as it reads inside a sentence: "Liver lesion" → "liver lesion", a leading article dropped
 * ("The liver" would give "of the the liver"), acronyms and mixed case ("IVC", "T2 lesion") kept.
 */
function className(cls: ClassDef): string {
  const words = cls.name
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  if (words.length > 1 && /^(the|a|an)$/i.test(words[0]!)) words.shift();
  if (words.length === 0) return `class ${cls.value}`;
  return words.map((w) => (/^\p{Lu}[\p{Ll}'-]*$/u.test(w) ? w.toLowerCase() : w)).join(' ');
}

/** First words after which a fragment is already a verb phrase: "lies behind the liver". */
const VERBS = new Set([
  'lies',
  'lie',
  'sits',
  'runs',
  'extends',
  'occupies',
  'fills',
  'surrounds',
  'borders',
  'abuts',
  'touches',
  'wraps',
  'lines',
  'covers',
  'crosses',
  'passes',
  'courses',
  'arises',
  'drains',
  'is',
  'are',
  'has',
  'have',
  'looks',
  'appears',
  'forms',
  'consists',
  'resembles',
  'shows',
  'measures',
  'contains',
  'reaches',
]);
/** First words that need "is": "located in the pelvis". */
const PARTICIPLES = new Set([
  'located',
  'situated',
  'found',
  'seen',
  'positioned',
  'placed',
  'centred',
  'centered',
  'attached',
  'connected',
  'surrounded',
  'bordered',
  'enclosed',
  'embedded',
  'shaped',
  'composed',
  'made',
  'visible',
]);
/** First words of a place: "behind the liver", "inside the liver". */
const PREPOSITIONS = new Set([
  'in',
  'inside',
  'within',
  'at',
  'on',
  'behind',
  'beside',
  'between',
  'below',
  'above',
  'under',
  'beneath',
  'over',
  'near',
  'along',
  'around',
  'across',
  'through',
  'throughout',
  'toward',
  'towards',
  'against',
  'just',
  'immediately',
  'directly',
  'mostly',
  'usually',
  'typically',
  'often',
  'from',
  'outside',
  'among',
  'alongside',
  'into',
  'upon',
  'beyond',
  'opposite',
]);
/**
 * Words that are a relation only when "to"/"of" follows ("anterior to the stomach", "next to the spine") and
 * otherwise start a place ("medial temporal lobe").
 */
const RELATIVE_DIRECTIONS = new Set([
  'anterior',
  'posterior',
  'medial',
  'lateral',
  'superior',
  'inferior',
  'proximal',
  'distal',
  'adjacent',
  'next',
  'close',
  'deep',
  'superficial',
  'caudal',
  'cranial',
  'dorsal',
  'ventral',
  'left',
  'right',
]);
const DETERMINERS = new Set(['the', 'a', 'an', 'its', 'each', 'both', 'one', 'either', 'every', 'all']);
/** Nouns that make a shape fragment a noun phrase needing an article: "thin tube, …" → "is a thin tube, …". */
const SHAPE_NOUNS = new Set([
  'tube',
  'structure',
  'sphere',
  'ball',
  'disc',
  'disk',
  'ring',
  'band',
  'line',
  'sheet',
  'layer',
  'wedge',
  'crescent',
  'cylinder',
  'cone',
  'pyramid',
  'mass',
  'blob',
  'sac',
  'pouch',
  'loop',
  'cluster',
  'network',
  'shell',
  'cap',
  'plate',
  'bean',
  'organ',
  'nodule',
  'lesion',
  'cyst',
  'ellipse',
  'ellipsoid',
  'ovoid',
  'triangle',
  'circle',
  'spot',
  'dot',
  'patch',
  'strip',
  'cord',
  'column',
  'bundle',
  'tree',
  'funnel',
  'dome',
  'arc',
  'arch',
  'spiral',
  'coil',
  'lobe',
  'bulb',
  'channel',
  'vessel',
  'region',
  'area',
  'shape',
  'outline',
  'body',
  'gland',
]);

interface Description {
  /** The prompt sentence. */
  sentence: string;
  /** What follows the class name in it ("lies in …", "is a thin tube …"), or null when not known. */
  predicate: string | null;
  /** Whether the user wrote anything. */
  given: boolean;
}

function describe(raw: string, name: string, kind: 'position' | 'shape'): Description {
  const text = raw.trim().replace(/\s+/g, ' ');
  if (text === '') {
    const sentence = kind === 'position' ? `The ${name} lies in its usual anatomical position.` : `The ${name} has its usual shape and appearance.`;
    return { sentence, predicate: null, given: false };
  }
  if (isFullSentence(text, name)) {
    // "The duodenum lies posterior to the stomach." → predicate "lies posterior to the stomach".
    const prefix = `the ${name} `;
    const predicate = text.toLowerCase().startsWith(prefix.toLowerCase()) ? stripEnd(text.slice(prefix.length)) : null;
    return { sentence: text, predicate, given: true };
  }
  const fragment = lowerFirstWord(stripEnd(text));
  const predicate = kind === 'position' ? positionPredicate(fragment) : shapePredicate(fragment);
  return { sentence: `The ${name} ${predicate}.`, predicate, given: true };
}

function positionPredicate(fragment: string): string {
  const first = firstWord(fragment);
  if (VERBS.has(first)) return fragment;
  if (PARTICIPLES.has(first)) return `is ${fragment}`;
  if (PREPOSITIONS.has(first) || (RELATIVE_DIRECTIONS.has(first) && /^(to|of)$/.test(secondWord(fragment)))) return `lies ${fragment}`;
  if (DETERMINERS.has(first)) return `lies in ${fragment}`;
  // A bare place ("right upper abdomen") is read as a region the class lies in.
  return `lies in the ${fragment}`;
}

function shapePredicate(fragment: string): string {
  const first = firstWord(fragment);
  if (VERBS.has(first)) return fragment;
  if (DETERMINERS.has(first) || PARTICIPLES.has(first)) return `is ${fragment}`;
  const firstClause = fragment.split(/[,;:]/)[0] ?? '';
  const nounPhrase = firstClause
    .toLowerCase()
    .split(' ')
    .some((w) => SHAPE_NOUNS.has(w));
  return nounPhrase ? `is ${article(fragment)} ${fragment}` : `is ${fragment}`;
}

/**
 * A full sentence, to be used verbatim: capitalised, ending in a sentence mark, and not opening like one of our
 * fragments ("Lies behind the liver." is still a fragment); or simply one that mentions the class by name.
 */
function isFullSentence(text: string, name: string): boolean {
  if (!/[.!?]$/.test(text) || !/^\p{Lu}/u.test(text)) return false;
  const first = firstWord(text);
  if (VERBS.has(first) || PARTICIPLES.has(first) || PREPOSITIONS.has(first)) return false;
  return /^(the|it|this|these|there|a|an)$/.test(first) || text.toLowerCase().includes(name.toLowerCase());
}

function firstWord(text: string): string {
  return (text.split(/[\s,;:]/)[0] ?? '').toLowerCase();
}

function secondWord(text: string): string {
  return (text.split(/[\s,;:]+/)[1] ?? '').toLowerCase();
}

function stripEnd(text: string): string {
  return text.replace(/[\s.,;:!?]+$/u, '');
}

/** "Right upper abdomen" → "right upper abdomen"; acronyms ("IVC") keep their case. */
function lowerFirstWord(text: string): string {
  const m = /^(\p{Lu}[\p{Ll}'-]*)(?=\s|,|;|:|$)/u.exec(text);
  return m ? m[1]!.toLowerCase() + text.slice(m[1]!.length) : text;
}

/** "a" or "an" by the sound of the next word, well enough for anatomical English ("a uniform", "an oval"). */
function article(text: string): string {
  const w = text.toLowerCase();
  if (/^(uni|use|usu|ure|uro|eu|one)/.test(w)) return 'a';
  return /^[aeiou]/.test(w) ? 'an' : 'a';
}
