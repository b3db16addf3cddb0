import type { ClassDef } from '../volume/classes.ts';

/*
 * Default position and shape descriptions for structures people commonly label, so TAK's position and shape prompts
 * say something about anatomy before the user has typed anything. TAK generates such texts with GPT-4o once per
 * dataset (the TAK paper, Gu et al., Sec. 3.2); no language model runs here, so these few are written by hand, in the same spirit:
 * where a structure lies relative to its neighbours (especially larger ones), and what form it has. The user's own
 * text always wins.
 */

interface AnatomyEntry {
  /** Class names this entry describes (compared lower-case, spaces collapsed). */
  names: string[];
  /** When set, the entry applies only to datasets whose name matches (MSD's hippocampus says just "Anterior"). */
  dataset?: RegExp;
  position: string;
  shape: string;
}

const ENTRIES: AnatomyEntry[] = [
  {
    names: ['anterior', 'anterior hippocampus', 'hippocampus head', 'hippocampal head'],
    dataset: /hippocamp/i,
    position: 'in the medial temporal lobe, in front of the posterior hippocampus and behind the amygdala',
    shape: 'the broad, rounded head of the hippocampus, curved and bulbous, larger than the tail',
  },
  {
    names: ['posterior', 'posterior hippocampus', 'hippocampus body and tail', 'hippocampal tail'],
    dataset: /hippocamp/i,
    position: 'in the medial temporal lobe, behind the anterior hippocampus, along the floor of the lateral ventricle',
    shape: 'the thin body and tail of the hippocampus, an elongated curved band that narrows towards its end',
  },
  {
    names: ['liver'],
    position: 'in the right upper abdomen, under the diaphragm, above the right kidney',
    shape: 'a large wedge-shaped organ with a smooth convex upper surface',
  },
  {
    names: ['spleen'],
    position: 'in the left upper abdomen, behind the stomach, above the left kidney',
    shape: 'a bean-shaped organ with a convex outer surface',
  },
  {
    names: ['right kidney', 'kidney right'],
    position: 'in the right retroperitoneum, below the liver, beside the spine',
    shape: 'a bean-shaped organ with its hilum facing the spine',
  },
  {
    names: ['left kidney', 'kidney left'],
    position: 'in the left retroperitoneum, below the spleen, beside the spine',
    shape: 'a bean-shaped organ with its hilum facing the spine',
  },
  {
    names: ['kidney', 'kidneys'],
    position: 'in the retroperitoneum on either side of the spine',
    shape: 'a bean-shaped organ with its hilum facing the spine',
  },
  { names: ['gallbladder', 'gall bladder'], position: 'under the liver, in the gallbladder fossa of its lower surface', shape: 'a small pear-shaped sac' },
  {
    names: ['stomach'],
    position: 'in the left upper abdomen, below the diaphragm, in front of the pancreas',
    shape: 'a J-shaped hollow organ with a complex, variable outline',
  },
  {
    names: ['pancreas'],
    position: 'behind the stomach, along the splenic vein, its head in the curve of the duodenum',
    shape: 'a long, thin, lobulated gland',
  },
  {
    names: ['duodenum'],
    position: 'behind the stomach and in front of the inferior vena cava and aorta, curving around the head of the pancreas',
    shape: 'a C-shaped tube',
  },
  { names: ['aorta'], position: 'in front of and slightly left of the spine, behind the pancreas', shape: 'a round tube running head to foot' },
  {
    names: ['inferior vena cava', 'ivc', 'postcava'],
    position: 'in front of and right of the spine, behind the liver and the duodenum',
    shape: 'a flattened oval tube running head to foot',
  },
  {
    names: ['esophagus', 'oesophagus'],
    position: 'behind the trachea and the heart, in front of the spine',
    shape: 'a thin collapsed tube running head to foot',
  },
  { names: ['bladder', 'urinary bladder'], position: 'in the pelvis, behind the pubic bone', shape: 'a hollow rounded sac' },
  { names: ['prostate'], position: 'in the pelvis below the bladder, in front of the rectum', shape: 'a small walnut-shaped gland' },
  {
    names: ['left atrium'],
    position: 'at the back of the heart, in front of the esophagus, where the pulmonary veins enter',
    shape: 'a rounded chamber with the pulmonary veins attached',
  },
  { names: ['nucleus', 'nuclei'], position: 'inside the cells, scattered across the tissue', shape: 'small round or oval dark purple blobs' },
];

function key(s: string): string {
  return s.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** The class with any empty position or shape filled from the defaults (unchanged when nothing matches). */
export function withAnatomyDefaults(cls: ClassDef, datasetName = ''): ClassDef {
  if (cls.position.trim() && cls.shape.trim()) return cls;
  const name = key(cls.name);
  const entry = ENTRIES.find((e) => e.names.includes(name) && (!e.dataset || e.dataset.test(datasetName)));
  if (!entry) return cls;
  return { ...cls, position: cls.position.trim() || entry.position, shape: cls.shape.trim() || entry.shape };
}

/**
 * The classes a text preset describes: with `anatomy`, each filled from the defaults as the app fills TAK's prompts
 * (textSync.ts), so the class texts carry position and shape; without, exactly as given (often a bare name).
 */
export function classesForText(classes: readonly ClassDef[], datasetName: string, anatomy: boolean): ClassDef[] {
  return classes.map((c) => (anatomy ? withAnatomyDefaults(c, datasetName) : c));
}
