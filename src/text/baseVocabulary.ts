/**
 * The words every tokenizer knows before it has seen a workspace: the English that descriptions of medical
 * images are written in, and the anatomy, direction, shape, size, density and intensity words they use. A user
 * edits a class prompt after the model was trained; the tokenizer travels in the checkpoint and cannot grow,
 * so the common words must already be whole tokens, and the rest must break into meaningful pieces rather
 * than single letters.
 *
 * Order is priority: when a small vocabulary cannot hold everything, the list is cut from the end, so the
 * groups run from the words nearly every description uses to the specialised ones. Written for this project;
 * all lower-case and already in normalizeText's canonical form (a test checks both).
 */
// biome-ignore format: word lists read as filled lines, grouped by topic
export const BASE_VOCABULARY: readonly string[] = [
  // Function words and the verbs of description.
  'the', 'a', 'an', 'of', 'and', 'or', 'in', 'on', 'at', 'to', 'from', 'with', 'without', 'by', 'for', 'as',
  'is', 'are', 'was', 'were', 'be', 'been', 'has', 'have', 'had', 'its', 'it', 'this', 'that', 'these', 'those',
  'there', 'which', 'who', 'where', 'than', 'not', 'no', 'none', 'all', 'each', 'every', 'both', 'some', 'any',
  'one', 'two', 'three', 'four', 'several', 'many', 'few', 'more', 'most', 'less', 'least', 'much', 'very',
  'also', 'only', 'just', 'about', 'around', 'approximately', 'roughly', 'nearly', 'almost', 'mostly', 'partly',
  'between', 'among', 'within', 'inside', 'outside', 'into', 'onto', 'through', 'across', 'along', 'toward',
  'towards', 'over', 'under', 'above', 'below', 'beneath', 'behind', 'beside', 'near', 'next', 'close', 'far',
  'against', 'beyond', 'up', 'down', 'out', 'off', 'other', 'same', 'such', 'own', 'per', 'may', 'can', 'often',
  'usually', 'typically', 'sometimes', 'rarely', 'always', 'never', 'while', 'but', 'if', 'when', 'so', 'like',
  'lies', 'lie', 'lying', 'sits', 'runs', 'run', 'extends', 'extending', 'reaching', 'reaches',
  'curves', 'passes', 'passing', 'crosses', 'surrounds', 'surrounding', 'surrounded', 'contains', 'containing',
  'shows', 'shown', 'show', 'appears', 'appear', 'seen', 'visible', 'located', 'situated', 'found', 'measures',
  'measuring', 'occupies', 'fills', 'borders', 'bordered', 'adjacent', 'abuts', 'touches', 'separated',
  'compressed', 'displaced', 'described', 'labelled', 'labeled', 'marked', 'present', 'absent', 'missing',
  // Directions and positions, in the patient's frame.
  'left', 'right', 'upper', 'lower', 'top', 'bottom', 'front', 'back', 'middle', 'centre', 'center', 'central',
  'midline', 'side', 'sides', 'edge', 'edges', 'border', 'margin', 'margins', 'rim', 'surface', 'wall', 'walls',
  'corner', 'part', 'half', 'region', 'regions', 'area', 'areas', 'zone', 'level', 'slice', 'slices', 'plane',
  'anterior', 'posterior', 'medial', 'lateral', 'superior', 'inferior', 'proximal', 'distal', 'dorsal',
  'ventral', 'cranial', 'caudal', 'deep', 'superficial', 'peripheral', 'periphery', 'apex', 'base', 'pole',
  'axial', 'coronal', 'sagittal', 'transverse', 'oblique', 'ipsilateral', 'contralateral', 'bilateral',
  'unilateral', 'laterally', 'medially', 'anteriorly', 'posteriorly', 'superiorly', 'inferiorly', 'centrally',
  'peripherally', 'horizontal', 'vertical', 'diagonal', 'throughout', 'everywhere', 'elsewhere',
  // Shape.
  'shape', 'shaped', 'form', 'round', 'rounded', 'circular', 'oval', 'ovoid', 'elliptical', 'spherical',
  'elongated', 'long', 'short', 'irregular', 'irregularly', 'regular', 'regularly', 'tubular', 'tube', 'tubes',
  'comma', 'crescent', 'wedge', 'triangular', 'rectangular', 'flat', 'flattened', 'curved', 'curving', 'straight',
  'convex', 'concave', 'lobulated', 'lobular', 'lobe', 'lobes', 'branching', 'branched', 'branches', 'folded',
  'tortuous', 'cylindrical', 'disc', 'ring', 'band', 'line', 'lines', 'layer', 'layers', 'cluster', 'clusters',
  'clustered', 'sheet', 'sheets', 'cross', 'section', 'contour', 'outline', 'boundary', 'boundaries',
  'defined', 'well', 'poorly', 'sharp', 'blurred', 'smooth', 'rough', 'spiculated', 'jagged', 'symmetric',
  'asymmetric', 'compact', 'solid', 'hollow', 'thick', 'thin', 'narrow', 'wide', 'broad',
  // Size and amount.
  'size', 'small', 'smaller', 'smallest', 'tiny', 'little', 'large', 'larger', 'largest', 'big', 'huge',
  'medium', 'moderate', 'moderately', 'mild', 'mildly', 'markedly', 'enlarged', 'diameter', 'length',
  'width', 'volume', 'mm', 'cm', 'millimetres', 'millimeters', 'pixels', 'voxels', 'number', 'count',
  // Density and distribution (MoNuSeg's descriptions are about these).
  'density', 'dense', 'denser', 'sparse', 'sparsely', 'crowded', 'packed', 'scattered', 'distributed',
  'distribution', 'evenly', 'unevenly', 'uniformly', 'uniform', 'homogeneous', 'heterogeneous', 'high', 'higher',
  'highest', 'low', 'lowest', 'increased', 'decreased', 'reduced', 'elevated', 'normal', 'abnormal',
  'diffuse', 'diffusely', 'focal', 'focally', 'multifocal', 'isolated', 'single', 'multiple', 'numerous',
  'overlapping', 'touching', 'grouped',
  // Intensity and appearance.
  'bright', 'brighter', 'brightest', 'dark', 'darker', 'darkest', 'grey', 'gray', 'mid', 'white', 'black',
  'intensity', 'signal', 'contrast', 'enhancing', 'enhancement', 'enhanced', 'hyperintense', 'hypointense',
  'isointense', 'hyperdense', 'hypodense', 'isodense', 'hyperechoic', 'hypoechoic', 'anechoic', 'echogenic',
  'attenuation', 'opacity', 'opaque', 'lucent', 'texture', 'textured', 'granular', 'speckled', 'mottled',
  'stained', 'staining', 'pink', 'purple', 'blue', 'red', 'colour', 'color', 'pale', 'noise', 'noisy',
  'artefact', 'artifact', 'blurry', 'clear', 'clearly', 'faint', 'strong', 'weak', 'fat', 'fluid', 'air', 'gas',
  'calcified', 'calcification', 'necrotic', 'necrosis', 'cystic',
  // Imaging.
  'image', 'images', 'scan', 'scans', 'picture', 'view', 'medical', 'mr', 'mri', 'ct', 'pet', 'x', 'ray',
  'radiograph', 'ultrasound', 'microscopy', 'microscope', 'histology', 'histopathology', 'pathology', 'slide',
  'biopsy', 'specimen', 'magnetic', 'resonance', 'computed', 'tomography', 'weighted', 't1', 't2', 'flair',
  'phase', 'venous', 'arterial', 'field', 'background', 'foreground', 'structure',
  'structures', 'object', 'objects', 'target', 'class', 'label', 'labels', 'mask', 'segmentation', 'annotation',
  'human', 'patient', 'body',
  // Anatomy: regions and organs.
  'abdomen', 'abdominal', 'pelvis', 'pelvic', 'chest', 'thorax', 'thoracic', 'head', 'neck', 'brain', 'skull',
  'spine', 'spinal', 'vertebra', 'vertebrae', 'vertebral', 'cord', 'canal', 'rib', 'ribs', 'bone',
  'bones', 'muscle', 'muscles', 'skin', 'liver', 'hepatic', 'kidney', 'kidneys', 'renal', 'spleen', 'splenic',
  'pancreas', 'pancreatic', 'stomach', 'gastric', 'duodenum', 'bowel', 'intestine', 'colon', 'rectum',
  'bladder', 'gallbladder', 'adrenal', 'gland', 'glands', 'oesophagus', 'esophagus', 'lung', 'lungs',
  'pulmonary', 'heart', 'cardiac', 'ventricle', 'atrium', 'prostate', 'uterus', 'ovary', 'breast', 'thyroid',
  'hippocampus', 'hippocampal', 'amygdala', 'thalamus', 'cortex', 'cortical', 'cerebral', 'cerebellum',
  'temporal', 'frontal', 'parietal', 'occipital', 'matter', 'ventricles', 'tail',
  'proper', 'organ', 'organs', 'tissue', 'tissues', 'parenchyma', 'capsule', 'duct', 'ducts', 'lumen',
  // Vessels.
  'vessel', 'vessels', 'vascular', 'artery', 'arteries', 'aorta', 'aortic', 'vein', 'veins', 'vena', 'cava',
  'caval', 'portal', 'blood', 'flow', 'lymph', 'node', 'nodes',
  // Cells and pathology.
  'cell', 'cells', 'cellular', 'nucleus', 'nuclei', 'nuclear', 'cytoplasm', 'membrane', 'epithelium',
  'epithelial', 'stroma', 'stromal', 'mitosis', 'mitotic', 'lymphocytes', 'inflammatory',
  'inflammation', 'lesion', 'lesions', 'tumour', 'tumours', 'tumor', 'tumors', 'mass', 'masses', 'nodule',
  'nodules', 'cyst', 'cysts', 'metastasis', 'metastases', 'cancer', 'carcinoma', 'malignant', 'benign',
  'oedema', 'edema', 'haemorrhage', 'hemorrhage', 'infarct', 'scar', 'fibrosis', 'atrophy', 'stenosis',
  'fracture', 'effusion', 'healthy', 'diseased', 'damaged', 'infected', 'invasive', 'primary', 'secondary',
];

/**
 * Word-initial pieces: prefixes that begin many medical words ("hypo|##intense", "peri|##renal"). Without them
 * an unseen word would be spelt letter by letter.
 */
// biome-ignore format: word lists read as filled lines, grouped by topic
export const BASE_PREFIXES: readonly string[] = [
  'hyper', 'hypo', 'iso', 'intra', 'inter', 'extra', 'peri', 'para', 'sub', 'supra', 'infra', 'trans', 'retro',
  'pre', 'post', 'anti', 'endo', 'epi', 'ecto', 'exo', 'micro', 'macro', 'mega', 'neo', 'poly', 'mono', 'bi',
  'tri', 'multi', 'semi', 'hemi', 'non', 'un', 're', 'dis', 'mis', 'co', 'de', 'hetero', 'homo', 'cardio',
  'hepat', 'hepato', 'nephr', 'nephro', 'neur', 'neuro', 'oste', 'osteo', 'my', 'myo', 'angi', 'angio',
  'gastr', 'gastro', 'enter', 'entero', 'col', 'colo', 'bronch', 'broncho', 'pneum', 'pneumo', 'cerebr',
  'cerebro', 'crani', 'cranio', 'derm', 'dermo', 'hist', 'histo', 'cyt', 'cyto', 'onc', 'onco', 'radi',
  'radio', 'path', 'patho', 'lymph', 'lympho', 'aden', 'adeno', 'fibr', 'fibro', 'vas', 'vaso', 'ven', 'arter',
  'pulmon', 'thorac', 'abdomin', 'pelv', 'vertebr', 'hippocamp', 'nucle', 'tumo', 'lesion',
];

/**
 * Continuation pieces (the tokenizer writes them with a leading "##"): English and medical suffixes, and a
 * few stems that follow the prefixes above ("hypo|##intense", "hyper|##echoic").
 */
// biome-ignore format: word lists read as filled lines, grouped by topic
export const BASE_SUFFIXES: readonly string[] = [
  's', 'es', 'ies', 'ed', 'd', 'ing', 'ly', 'er', 'ers', 'est', 'al', 'ally', 'ial', 'eal', 'ic', 'ical', 'ous',
  'ious', 'ity', 'ities', 'ness', 'tion', 'tions', 'ation', 'ations', 'sion', 'ment', 'ments', 'able', 'ible',
  'ive', 'ize', 'ise', 'ized', 'ised', 'ful', 'less', 'like', 'ward', 'wards', 'ar', 'ary', 'ory', 'ine', 'ium',
  'um', 'us', 'i', 'ae', 'a', 'e', 'y', 'en', 'ent', 'ence', 'ency', 'ance', 'ant', 'ism', 'ist', 'oid',
  'oma', 'omas', 'omata', 'itis', 'osis', 'oses', 'otic', 'ectomy', 'ostomy', 'otomy', 'ology', 'logy',
  'ological', 'graphy', 'gram', 'scopy', 'scopic', 'plasia', 'plastic', 'trophy', 'trophic', 'megaly', 'pathy',
  'algia', 'emia', 'aemia', 'cyte', 'cytes', 'cytic', 'blast', 'blasts', 'genic', 'genesis', 'lysis', 'lytic',
  'cele', 'rrhage', 'rrhea', 'stenosis', 'sclerosis', 'ia', 'ian', 'ular', 'ulum', 'ule', 'ules', 'ole',
  'intense', 'intensity', 'dense', 'density', 'echoic', 'lucent', 'attenuating', 'enhancing', 'shaped',
  'vascular', 'cellular', 'nuclear', 'renal', 'hepatic', 'cardial', 'cranial', 'pulmonary', 'gastric', 'neural',
  'thelial', 'thelium', 'plasm', 'phage', 'phyte', 'lobar', 'lateral', 'medial',
  // Stems that end compounds ("adeno|##carcinoma", "peri|##tumoral", "intra|##hepatic").
  'carcinoma', 'carcinomas', 'sarcoma', 'tumoral', 'tumour', 'tumor', 'cystic', 'nodular', 'capsular',
  'ventricular', 'arterial', 'venous', 'portal', 'spinal', 'thoracic', 'abdominal', 'cortical', 'glandular',
  'lymphatic', 'epithelial', 'duct', 'ductal', 'cellularity', 'necrotic', 'mural', 'luminal',
];
