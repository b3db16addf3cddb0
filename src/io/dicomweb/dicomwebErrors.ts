/**
 * A failed DICOMweb request in words a clinician can act on. A browser hides why a request to another server
 * failed: a server that is down, a wrong host name and a missing CORS header all reach the page as status 0, so
 * that message names all three and the fix for each, instead of guessing one. The raw status stays as a detail.
 */

export interface DicomwebFailure {
  message: string;
  detail: string;
}

/** What dicomweb-client rejects with: an Error carrying the XMLHttpRequest's status, or any thrown value. */
export function dicomwebFailure(error: unknown, url: string, action: string): DicomwebFailure {
  const status = typeof (error as { status?: unknown })?.status === 'number' ? (error as { status: number }).status : null;
  const raw = error instanceof Error ? error.message : String(error);
  const detail = status === null ? raw : `HTTP status ${status}${raw && raw !== 'request failed' ? `: ${raw}` : ''}`;
  const where = url.replace(/\/+$/, '');
  let message: string;
  if (status === null) {
    message = `Could not ${action} at ${where}: ${raw}`;
  } else if (status === 0) {
    message =
      `No answer from ${where} while trying to ${action}. Either the server is not running or the address is wrong, ` +
      "or the server does not allow this page to read its answers (it must send CORS headers for this page's " +
      'address; a hospital sets that in the reverse proxy in front of its PACS). Check the address, then ask whoever runs the server.';
  } else if (status === 404) {
    message =
      `${where} answered "not found" while trying to ${action}. Check that the address is the DICOMweb root ` +
      '(for Orthanc it ends in /dicom-web), and that the study still exists.';
  } else if (status === 401 || status === 403) {
    message = `${where} refused to ${action} (it needs a login or does not allow this). Pseudolab does not log in to servers; ask whoever runs it for access without a login from this machine.`;
  } else if (status === 409) {
    message = `${where} refused to ${action}: the server holds conflicting data (for example an object with the same UID).`;
  } else if (status === 413) {
    message = `${where} refused to ${action}: what was sent is larger than the server accepts.`;
  } else if (status === 415 || status === 406) {
    message = `${where} does not speak the DICOMweb media types needed to ${action}; is the address a DICOMweb root?`;
  } else if (status >= 500) {
    message = `${where} failed while trying to ${action} (a server error, status ${status}). Try again; if it persists, the server's log says why.`;
  } else {
    message = `${where} refused to ${action} (status ${status}).`;
  }
  return { message, detail };
}

/**
 * A DICOMweb address as the user may type it: http or https, no user name or password inside (those would be sent
 * to the server in clear and kept in storage), query and fragment dropped. Returns the cleaned root or a sentence.
 */
export function parseDicomwebUrl(input: string): { url: string; origin: string } | { error: string } {
  const trimmed = input.trim();
  if (trimmed === '') return { error: 'Type the address of a DICOMweb server, for example https://pacs.example.org/dicom-web.' };
  let u: URL;
  try {
    u = new URL(trimmed);
  } catch {
    return { error: `"${trimmed}" is not a web address; it should look like https://pacs.example.org/dicom-web.` };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { error: `"${trimmed}" is not an http or https address.` };
  if (u.username || u.password) return { error: 'Leave the user name and password out of the address: Pseudolab does not send credentials.' };
  // The origin goes into the page's security policy, where "*" would be a wildcard: only real host names pass.
  if (!/^[a-z0-9.-]+$/i.test(u.hostname) && !/^\[[0-9a-f:.]+\]$/i.test(u.hostname)) {
    return { error: `"${u.hostname}" is not a server name; it should look like pacs.example.org or an IP address.` };
  }
  const path = u.pathname.replace(/\/+$/, '');
  return { url: `${u.origin}${path}`, origin: u.origin };
}
