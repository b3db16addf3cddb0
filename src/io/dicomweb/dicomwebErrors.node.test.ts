import { describe, expect, it } from 'vitest';
import { dicomwebFailure, parseDicomwebUrl } from './dicomwebErrors.ts';

const withStatus = (status: number) => Object.assign(new Error('request failed'), { status });

describe('DICOMweb failures in plain words', () => {
  it('names every cause a browser hides behind status 0: server down, wrong address, no CORS', () => {
    const f = dicomwebFailure(withStatus(0), 'http://pacs:8042/dicom-web/', 'list its studies');
    expect(f.message).toMatch(/^No answer from http:\/\/pacs:8042\/dicom-web while trying to list its studies/);
    expect(f.message).toMatch(/not running/);
    expect(f.message).toMatch(/address is wrong/);
    expect(f.message).toMatch(/CORS/);
    expect(f.detail).toBe('HTTP status 0');
  });

  it('tells a wrong root (404) from a login wall (401/403) from a server fault (5xx)', () => {
    expect(dicomwebFailure(withStatus(404), 'http://h/x', 'list its studies').message).toMatch(/not found.*DICOMweb root.*\/dicom-web/);
    expect(dicomwebFailure(withStatus(401), 'http://h/x', 'store to it').message).toMatch(/needs a login/);
    expect(dicomwebFailure(withStatus(403), 'http://h/x', 'store to it').message).toMatch(/needs a login/);
    const five = dicomwebFailure(withStatus(503), 'http://h/x', 'load the series');
    expect(five.message).toMatch(/server error, status 503/);
    expect(five.detail).toBe('HTTP status 503');
  });

  it('keeps a non-HTTP failure\'s own text, never "[object Object]"', () => {
    expect(dicomwebFailure(new Error('Media type x is not supported'), 'http://h', 'load the series').message).toBe(
      'Could not load the series at http://h: Media type x is not supported',
    );
  });
});

describe('the DICOMweb address a user types', () => {
  it('keeps the root path, drops a trailing slash, query and fragment, and gives the origin the policy admits', () => {
    expect(parseDicomwebUrl(' https://pacs.example.org:8443/dicom-web/?x=1#y ')).toEqual({
      url: 'https://pacs.example.org:8443/dicom-web',
      origin: 'https://pacs.example.org:8443',
    });
    expect(parseDicomwebUrl('http://[::1]:8042/dicom-web')).toEqual({ url: 'http://[::1]:8042/dicom-web', origin: 'http://[::1]:8042' });
  });

  it('refuses what it must not send or cannot reach, with a sentence', () => {
    for (const bad of ['', 'pacs.example.org', 'ftp://pacs/dicom-web', 'file:///etc/passwd', 'javascript:alert(1)', 'https://*.example.org/dicom-web']) {
      expect('error' in parseDicomwebUrl(bad), bad).toBe(true);
    }
    const creds = parseDicomwebUrl('https://user:secret@pacs.example.org/dicom-web');
    expect(creds).toEqual({ error: expect.stringMatching(/user name and password/) });
  });
});
