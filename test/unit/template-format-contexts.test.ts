// The --format contexts of `images` and `network ls` (src/cli/template.ts): the column names and
// the Go type that errors name are docker/cli's (cli/command/image/formatter.go's NewImageContext,
// cli/command/network/formatter.go's newNetworkContext), and a header without a context names
// each field after itself (RunningFor → RUNNING FOR, as docker/cli's volume and stats headers do).
import { describe, expect, it } from 'vitest';
import { IMAGES_FORMAT, NETWORK_FORMAT, parseTemplate, writeFormatted } from '../../src/cli/template.js';

const IMAGE_FIELDS = ['ID', 'Repository', 'Tag', 'Digest', 'CreatedSince', 'CreatedAt', 'Size', 'Containers', 'VirtualSize', 'SharedSize', 'UniqueSize'];
const NETWORK_FIELDS = ['ID', 'Name', 'Driver', 'Scope', 'IPv6', 'Internal', 'Labels', 'CreatedAt'];
const table = (fields: string[]): string => 'table ' + fields.map((f) => `{{.${f}}}`).join('\\t');

describe('--format contexts', () => {
  it("images: docker/cli's column names", () => {
    expect(parseTemplate(table(IMAGE_FIELDS)).header(IMAGES_FORMAT.headers)).toBe(
      'IMAGE ID\tREPOSITORY\tTAG\tDIGEST\tCREATED\tCREATED AT\tSIZE\tCONTAINERS\tSIZE\tSHARED SIZE\tUNIQUE SIZE',
    );
  });

  it("network ls: docker/cli's column names", () => {
    expect(parseTemplate(table(NETWORK_FIELDS)).header(NETWORK_FORMAT.headers)).toBe('NETWORK ID\tNAME\tDRIVER\tSCOPE\tIPV6\tINTERNAL\tLABELS\tCREATED');
  });

  it('a missing field names the Go type of the row', () => {
    expect(() => writeFormatted('{{.Nosuch}}', [{ ID: 'x' }], IMAGES_FORMAT)).toThrow(
      'template parsing error: template: :1:2: executing "" at <.Nosuch>: can\'t evaluate field Nosuch in type *formatter.ImageContext',
    );
    expect(() => writeFormatted('{{.Nosuch}}', [{ ID: 'x' }], NETWORK_FORMAT)).toThrow('in type *network.networkContext');
  });

  it('without a context, each field read is named after itself, once, wherever it is read', () => {
    expect(parseTemplate('table {{.Name}}\\t{{.RunningFor}}\\t{{if .Driver}}x{{end}}{{.Driver}}\\t{{with .Mountpoint}}{{.}}{{end}}|{{.Name}}').header()).toBe(
      'NAME\tRUNNING FOR\txDRIVER\tMOUNTPOINT|NAME',
    );
  });
});
