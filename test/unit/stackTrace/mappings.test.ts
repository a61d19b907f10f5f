import * as assert from 'node:assert';
import { validateCodeMappings, validateOncallConfig } from '../../../src/core/stackTrace';

describe('validateOncallConfig', () => {
  it('returns typed mappings', () => {
    const r = validateOncallConfig('{"codeMappings":[{"stackRoot":"/app/","sourceRoot":"services/checkout/"},{"stackRoot":"C:\\\\build\\\\","sourceRoot":"","folder":"api"}]}');
    assert.deepStrictEqual(r.errors, []);
    assert.deepStrictEqual(r.mappings, [
      { stackRoot: '/app/', sourceRoot: 'services/checkout' },
      { stackRoot: 'C:/build/', sourceRoot: '', folder: 'api' },
    ]);
  });

  it('accepts a file without mappings', () => {
    assert.deepStrictEqual(validateOncallConfig('{}'), { mappings: [], errors: [] });
  });

  it('reports invalid JSON and wrong shapes', () => {
    assert.match(validateOncallConfig('{nope').errors[0]!, /^not valid JSON/);
    assert.deepStrictEqual(validateOncallConfig('[]').errors, ['expected a JSON object']);
    assert.deepStrictEqual(validateOncallConfig({ codeMappings: {} }).errors, ['codeMappings: expected an array']);
  });

  it('names each bad entry and keeps the good ones', () => {
    const r = validateOncallConfig({
      codeMappings: [
        { stackRoot: '/app/', sourceRoot: '../outside/' },
        { stackRoot: '', sourceRoot: 'x/' },
        { stackRoot: '/srv/', sourceRoot: '/etc/' },
        'nope',
        { stackRoot: '/ok/', sourceRoot: 'ok/', colour: 'blue' },
        { stackRoot: '/w/', sourceRoot: 'C:\\Windows' },
        { stackRoot: '/n/', sourceRoot: 'a\u0000b' },
      ],
    });
    assert.deepStrictEqual(r.mappings, [{ stackRoot: '/ok/', sourceRoot: 'ok' }]);
    assert.deepStrictEqual(r.errors, [
      'codeMappings[0].sourceRoot: must be a path inside the workspace (relative, no "..", no drive letter)',
      'codeMappings[1].stackRoot: expected a non-empty string such as "/app/"',
      'codeMappings[2].sourceRoot: must be a path inside the workspace (relative, no "..", no drive letter)',
      'codeMappings[3]: expected an object with "stackRoot" and "sourceRoot"',
      'codeMappings[4]: unknown property "colour"',
      'codeMappings[5].sourceRoot: must be a path inside the workspace (relative, no "..", no drive letter)',
      'codeMappings[6].sourceRoot: must be a path inside the workspace (relative, no "..", no drive letter)',
    ]);
  });

  it('validates mappings coming from settings too', () => {
    assert.deepStrictEqual(validateCodeMappings([{ stackRoot: '/app/' }], 'oncall.codeMappings').errors, [
      'oncall.codeMappings[0].sourceRoot: expected a workspace-relative path such as "services/checkout/" ("" for the root)',
    ]);
  });
});
