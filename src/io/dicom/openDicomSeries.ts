import type { Volume } from '../../volume/Volume.ts';
import { fileNameOf, folderOf } from '../detectFormat.ts';
import { explain } from '../problems.ts';
import type { Problem } from '../types.ts';
import { assembleSeries, groupBySeries } from './assembleSeries.ts';
import type { DicomFileInfo } from './parseDicomFile.ts';
import { splitByOrientation } from './splitByOrientation.ts';

/** "a folder", "2 folders (a, b)", or the opened files themselves: the place the user dropped the series from. */
function placeOf(infos: DicomFileInfo[]): { file: string; name: string } {
  const folders = [...new Set(infos.map((i) => folderOf(i.path)))];
  if (folders.length === 1) {
    const folder = folders[0]!;
    return folder ? { file: folder, name: `folder ${fileNameOf(folder)}` } : { file: '(opened files)', name: 'the opened files' };
  }
  return { file: folders.join(', '), name: `${folders.length} folders (${folders.map((f) => fileNameOf(f) || '.').join(', ')})` };
}

/**
 * Parsed DICOM files → one volume per series. Several series in one drop is normal (a study holds many);
 * they all open, and one warning names where they came from and how many there are.
 */
export async function openDicomSeries(infos: DicomFileInfo[], afterEach?: () => Promise<void>): Promise<{ volumes: Volume[]; problems: Problem[] }> {
  const volumes: Volume[] = [];
  const problems: Problem[] = [];
  const series = groupBySeries(infos);
  if (series.size > 1) {
    const place = placeOf(infos);
    problems.push({ file: place.file, severity: 'warning', message: `${place.name}: holds ${series.size} series; each opens as its own volume` });
  }
  for (const files of series.values()) {
    try {
      const planes = splitByOrientation(files);
      if (planes.length > 1) {
        const place = placeOf(files);
        const label = files[0]!.seriesDescription ?? `series ${files[0]!.seriesInstanceUID}`;
        const sizes = planes.map((p, k) => `${k + 1}: ${p.length} slice${p.length > 1 ? 's' : ''}`).join(', ');
        problems.push({
          file: place.file,
          severity: 'warning',
          message: `${label}: its slices lie in ${planes.length} different orientations (a localizer?); each orientation opens as its own volume (${sizes})`,
        });
      }
      for (const [k, plane] of planes.entries()) {
        const r = await assembleSeries(plane, undefined, planes.length > 1 ? `orientation ${k + 1} of ${planes.length}` : undefined);
        problems.push(...r.problems);
        if (r.volume) volumes.push(r.volume);
      }
    } catch (e) {
      // assembleSeries reports what it expects; anything else still must not stop the other series.
      const place = placeOf(files);
      const { text, detail } = explain(e);
      problems.push({ file: place.file, severity: 'error', message: `${place.name}: a series could not be opened (${text})`, ...(detail ? { detail } : {}) });
    }
    await afterEach?.();
  }
  return { volumes, problems };
}
