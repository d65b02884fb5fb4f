// The contract's stand-ins for Grafana must behave as Grafana does, or the contract
// proves nothing: interpolation formats and All values (scenes sceneInterpolator.ts,
// formatRegistry.ts, MultiValueVariable.ts), variable options and current values
// (toMetricFindValues.ts, utils.ts, MultiValueVariable.ts), annotation events
// (standardAnnotationSupport.ts).
import { FieldType, toDataFrame } from '@grafana/data';
import { describe, expect, it } from 'vitest';

import { annotationsFromFrames, metricNamesToVariableValues, toMetricFindValues, validateCurrent } from './runners';
import { ALL_VARIABLE_VALUE, ContractTemplateSrv, type ContractVariable } from './templateSrv';

function variable(name: string, value: string | string[], options: string[], extra: Partial<ContractVariable> = {}): ContractVariable {
  return {
    name,
    type: 'query',
    multi: Array.isArray(value),
    includeAll: false,
    options: options.map((o) => ({ text: o, value: o })),
    current: { text: value, value },
    model: {},
    ...extra,
  };
}

describe('ContractTemplateSrv', () => {
  const srv = new ContractTemplateSrv();
  srv.variables = [
    variable('namespace', 'shop', ['shop', 'web']),
    variable('many', ['a', 'b'], ['a', 'b', 'c']),
    variable('all', ALL_VARIABLE_VALUE, ['x', 'y'], { includeAll: true }),
    variable('custom', ALL_VARIABLE_VALUE, ['x', 'y'], { includeAll: true, allValue: '.*' }),
  ];

  it('replaces the three syntaxes and leaves unknown variables alone', () => {
    expect(srv.replace('$namespace/${namespace}/[[namespace]]/$nope')).toBe('shop/shop/shop/$nope');
  });

  it('formats multi values as a glob by default and as asked otherwise', () => {
    expect(srv.replace('$many')).toBe('{a,b}');
    expect(srv.replace('${many:csv}')).toBe('a,b');
    expect(srv.replace('${many:pipe}')).toBe('a|b');
    expect(srv.replace('${many:regex}')).toBe('(a|b)');
    expect(srv.replace('$many', undefined, 'csv')).toBe('a,b');
  });

  it('expands All to every option, or to the custom all value unformatted', () => {
    expect(srv.replace('${all:csv}')).toBe('x,y');
    expect(srv.replace('${custom:csv}')).toBe('.*');
    expect(srv.replace('${custom:text}')).toBe('All');
  });

  it('prefers scoped variables', () => {
    expect(srv.replace('$namespace $__interval', { namespace: { text: 'x', value: 'other' }, __interval: { text: '1m', value: '1m' } })).toBe(
      'other 1m'
    );
  });

  it('knows which targets contain its variables', () => {
    expect(srv.containsTemplate('ns=$namespace')).toBe(true);
    expect(srv.containsTemplate('ns=$nope')).toBe(false);
  });
});

describe('variable options', () => {
  it('reads text and value fields of a frame, else its first string field', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'count', type: FieldType.number, values: [1, 2] },
        { name: 'text', type: FieldType.string, values: ['31 (canary)', '30 (stable)'] },
        { name: 'value', type: FieldType.string, values: ['31', '30'] },
      ],
    });
    expect(toMetricFindValues([frame])).toEqual([
      { text: '31 (canary)', value: '31' },
      { text: '30 (stable)', value: '30' },
    ]);
    const plain = toDataFrame({ fields: [{ name: 'name', type: FieldType.string, values: ['a'] }] });
    expect(toMetricFindValues([plain])).toEqual([{ text: 'a', value: 'a' }]);
  });

  it('filters by regex, drops duplicate values and sorts', () => {
    const values = [
      { text: 'web-10', value: 'web-10' },
      { text: 'web-9', value: 'web-9' },
      { text: 'db', value: 'db' },
      { text: 'web-9', value: 'web-9' },
    ];
    expect(metricNamesToVariableValues('/web-.*/', 1, values).map((o) => o.value)).toEqual(['web-10', 'web-9']);
    expect(metricNamesToVariableValues('', 3, values).map((o) => o.value)).toEqual(['db', 'web-9', 'web-10']);
    expect(metricNamesToVariableValues('', 0, values).map((o) => o.value)).toEqual(['web-10', 'web-9', 'db']);
  });

  it('keeps a saved value among the options, else takes the first option', () => {
    const options = [
      { text: 'a', value: 'a' },
      { text: 'b', value: 'b' },
    ];
    expect(validateCurrent(variable('v', 'b', []), options)).toEqual({ text: 'b', value: 'b' });
    expect(validateCurrent(variable('v', 'gone', []), options)).toEqual({ text: 'a', value: 'a' });
    expect(validateCurrent(variable('v', ['gone', 'b'], []), options)).toEqual({ text: ['b'], value: ['b'] });
    expect(validateCurrent(variable('v', ALL_VARIABLE_VALUE, [], { includeAll: true }), options).value).toBe(ALL_VARIABLE_VALUE);
  });
});

describe('annotation events', () => {
  it('need a time and a text field, and split tags on commas', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [1000] },
        { name: 'title', type: FieldType.string, values: ['Paused'] },
        { name: 'text', type: FieldType.string, values: ['step 2'] },
        { name: 'tags', type: FieldType.string, values: ['web,pause'] },
      ],
    });
    expect(annotationsFromFrames([frame])).toEqual([{ time: 1000, timeEnd: undefined, title: 'Paused', text: 'step 2', tags: ['web', 'pause'] }]);
    const noTime = toDataFrame({ fields: [{ name: 'text', type: FieldType.string, values: ['x'] }] });
    expect(annotationsFromFrames([noTime])).toEqual([]);
  });
});
