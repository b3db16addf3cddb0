/**
 * Just enough XMLHttpRequest, over Node's fetch, for dicomweb-client to run in Node tests against a real server: the
 * client speaks XHR only, and Node has none. It covers what the client uses (open, headers, responseType
 * arraybuffer/json/text, send with a body, readyState 4, status, response headers) and nothing else; a network
 * failure ends with status 0, as in a browser.
 */
export class FetchXhr {
  readyState = 0;
  status = 0;
  response: unknown = null;
  responseType = '';
  withCredentials = false;
  onreadystatechange: (() => void) | null = null;
  onprogress: ((e: unknown) => void) | null = null;
  onloadstart: (() => void) | null = null;
  onloadend: (() => void) | null = null;
  private method = 'GET';
  private url = '';
  private headers: Record<string, string> = {};
  private responseHeaders = new Headers();

  open(method: string, url: string): void {
    this.method = method.toUpperCase();
    this.url = url;
    this.readyState = 1;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  getResponseHeader(name: string): string | null {
    return this.responseHeaders.get(name);
  }

  getAllResponseHeaders(): string {
    return [...this.responseHeaders.entries()].map(([k, v]) => `${k}: ${v}`).join('\r\n');
  }

  send(body?: ArrayBuffer | string | null): void {
    this.onloadstart?.();
    void fetch(this.url, { method: this.method, headers: this.headers, body: body ?? undefined })
      .then(async (r) => {
        this.status = r.status;
        this.responseHeaders = r.headers;
        const bytes = await r.arrayBuffer();
        const text = () => new TextDecoder().decode(bytes);
        if (this.responseType === 'arraybuffer') this.response = bytes;
        else if (this.responseType === 'json') this.response = bytes.byteLength > 0 ? JSON.parse(text()) : null;
        else this.response = text();
      })
      .catch(() => {
        this.status = 0;
      })
      .finally(() => {
        this.readyState = 4;
        this.onreadystatechange?.();
        this.onloadend?.();
      });
  }
}
