import { describe, expect, it } from 'vitest';
import { DomainError } from '../src/shared/errors';
import {
  checkTemplate,
  formatTimestamp,
  parseTemplate,
  renderTemplate,
  TemplateSyntaxError,
  type TemplateValues,
} from '../src/templates/macros';
import { assertValidTemplate, renderEventTemplate, sampleTemplateValues } from '../src/templates/rules';

/** The syntax error a template raises (fails the test when it parses). */
function syntaxErrorOf(source: string): TemplateSyntaxError {
  try {
    parseTemplate(source);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateSyntaxError);
    return error as TemplateSyntaxError;
  }
  throw new Error(`expected ${JSON.stringify(source)} not to parse`);
}

const allValues: Required<TemplateValues> = {
  ServiceName: 'Billing API',
  ServiceGroupName: 'Payments',
  StartedAt: new Date('2026-11-27T15:04:05Z'),
  ResolvedAt: new Date('2026-11-27T16:30:59.999Z'),
  ScheduledStart: new Date('2026-12-01T00:00:00Z'),
  ScheduledEnd: new Date('2026-12-01T03:09:00Z'),
};

describe('templates macro engine', () => {
  describe('parse', () => {
    it('parse keeps plain text as one text part', () => {
      expect(parseTemplate('All systems go { } {x} }')).toEqual([{ kind: 'text', text: 'All systems go { } {x} }' }]);
    });

    it('parse reads an empty template as no parts', () => {
      expect(parseTemplate('')).toEqual([]);
    });

    it('parse splits text and every known macro', () => {
      expect(
        parseTemplate(
          '{{.ServiceName}}/{{.ServiceGroupName}}: {{.StartedAt}}-{{.ResolvedAt}} ({{.ScheduledStart}}..{{.ScheduledEnd}})',
        ),
      ).toEqual([
        { kind: 'macro', macro: 'ServiceName' },
        { kind: 'text', text: '/' },
        { kind: 'macro', macro: 'ServiceGroupName' },
        { kind: 'text', text: ': ' },
        { kind: 'macro', macro: 'StartedAt' },
        { kind: 'text', text: '-' },
        { kind: 'macro', macro: 'ResolvedAt' },
        { kind: 'text', text: ' (' },
        { kind: 'macro', macro: 'ScheduledStart' },
        { kind: 'text', text: '..' },
        { kind: 'macro', macro: 'ScheduledEnd' },
        { kind: 'text', text: ')' },
      ]);
    });

    it.each([['{{ .ServiceName }}'], ['{{.ServiceName }}'], ['{{   .ServiceName}}'], ['{{\t.ServiceName\n}}']])(
      'parse accepts whitespace inside the braces: %j',
      (source) => {
        expect(parseTemplate(source)).toEqual([{ kind: 'macro', macro: 'ServiceName' }]);
      },
    );

    it('parse accepts a single brace right next to a macro', () => {
      expect(parseTemplate('{x}{{.ServiceName}}}')).toEqual([
        { kind: 'text', text: '{x}' },
        { kind: 'macro', macro: 'ServiceName' },
        { kind: 'text', text: '}' },
      ]);
    });
  });

  describe('parse errors', () => {
    it('parse refuses an unknown macro, naming it, the allowed ones and the position', () => {
      const error = syntaxErrorOf('Outage of {{.Foo}}');
      expect(error.problem).toContain('unknown macro "{{.Foo}}"');
      expect(error.problem).toContain('{{.ServiceName}}');
      expect(error.problem).toContain('{{.ScheduledEnd}}');
      expect(error.position).toEqual({ offset: 10, line: 1, column: 11 });
      expect(error.message).toBe(`${error.problem} at line 1, column 11`);
    });

    it('parse refuses a macro written in another case (names are case-sensitive)', () => {
      expect(syntaxErrorOf('{{ .servicename }}').problem).toContain('unknown macro "{{.servicename}}"');
    });

    it.each([
      ['a field without its dot', '{{ServiceName}}', '"{{ServiceName}}" is not a macro'],
      ['a pipeline', '{{.ServiceName | printf "%s"}}', 'is not a macro'],
      ['a condition', '{{if .ResolvedAt}}', '"{{if .ResolvedAt}}" is not a macro'],
      ['trim markers', '{{- .ServiceName -}}', '"{{- .ServiceName -}}" is not a macro'],
      ['a nested field', '{{.Service.Name}}', '"{{.Service.Name}}" is not a macro'],
      ['the dot alone', '{{.}}', '"{{.}}" is not a macro'],
      ['two macros in one action', '{{.ServiceName .StartedAt}}', 'is not a macro'],
      ['an empty action', 'x {{ }} y', 'empty action "{{ }}"'],
      ['a triple brace', '{{{.ServiceName}}}', '"{{{.ServiceName}}" is not a macro'],
    ])('parse refuses %s', (_name, source, problem) => {
      const error = syntaxErrorOf(source);
      expect(error.problem).toContain(problem);
      expect(error.problem).toContain('expected one of {{.ServiceName}}');
    });

    it('parse refuses an unclosed "{{" at the end', () => {
      const error = syntaxErrorOf('Resolved at {{.ResolvedAt');
      expect(error.problem).toBe('unclosed "{{"');
      expect(error.position).toEqual({ offset: 12, line: 1, column: 13 });
    });

    it('parse names the first "{{" when a second one opens before it closes', () => {
      const error = syntaxErrorOf('a {{ b {{.ServiceName}}');
      expect(error.problem).toBe('unclosed "{{"');
      expect(error.position.column).toBe(3);
    });

    it('parse refuses a "}}" without its "{{"', () => {
      const error = syntaxErrorOf('Done }} here');
      expect(error.problem).toBe('"}}" without an opening "{{"');
      expect(error.position).toEqual({ offset: 5, line: 1, column: 6 });
    });

    it('parse refuses a "}}" after a complete macro', () => {
      const error = syntaxErrorOf('{{.ServiceName}} }}');
      expect(error.problem).toBe('"}}" without an opening "{{"');
      expect(error.position.column).toBe(18);
    });

    it('parse reports line and column on later lines', () => {
      const error = syntaxErrorOf('Hello\nwe are looking into it.\n  ETA {{.Eta}}');
      expect(error.position).toEqual({ offset: 36, line: 3, column: 7 });
      expect(error.message).toMatch(/at line 3, column 7$/);
    });

    it('parse counts columns in characters, not UTF-16 units', () => {
      expect(syntaxErrorOf('🔥🔥 {{.Nope}}').position.column).toBe(4);
    });

    it('parse shortens a long action in the message', () => {
      const error = syntaxErrorOf(`{{ ${'x'.repeat(500)} }}`);
      expect(error.problem.length).toBeLessThan(300);
      expect(error.problem).toContain('…');
    });

    it('checkTemplate returns null for a good template and the error for a bad one', () => {
      expect(checkTemplate('{{ .ServiceName }} is down')).toBeNull();
      const error = checkTemplate('{{.Bar}}');
      expect(error).toBeInstanceOf(TemplateSyntaxError);
      expect(error?.problem).toContain('unknown macro "{{.Bar}}"');
    });
  });

  describe('render', () => {
    it('render substitutes every macro, timestamps in UTC to the minute', () => {
      const source =
        '{{.ServiceName}} ({{ .ServiceGroupName }}) {{.StartedAt}} → {{.ResolvedAt}}; window {{.ScheduledStart}} – {{.ScheduledEnd}}';
      expect(renderTemplate(source, allValues)).toBe(
        'Billing API (Payments) 2026-11-27 15:04 UTC → 2026-11-27 16:30 UTC; window 2026-12-01 00:00 UTC – 2026-12-01 03:09 UTC',
      );
    });

    it('render repeats a macro as often as it appears', () => {
      expect(renderTemplate('{{.ServiceName}}, {{.ServiceName}}!', allValues)).toBe('Billing API, Billing API!');
    });

    it('render leaves plain text untouched, multi-line included', () => {
      expect(renderTemplate('Line one\n  {x} }\nLine three', allValues)).toBe('Line one\n  {x} }\nLine three');
    });

    it('render shows a missing value as empty', () => {
      expect(renderTemplate('[{{.ServiceName}}] [{{.ResolvedAt}}]', {})).toBe('[] []');
    });

    it('render inserts values literally (a value that looks like a macro is not expanded)', () => {
      expect(renderTemplate('{{.ServiceName}}', { ServiceName: '{{.StartedAt}} }} {{' })).toBe('{{.StartedAt}} }} {{');
    });

    it('render converts timestamps from any offset to UTC', () => {
      expect(renderTemplate('{{.StartedAt}}', { StartedAt: new Date('2026-03-01T01:30:00+02:00') })).toBe(
        '2026-02-28 23:30 UTC',
      );
    });

    it('render accepts parsed parts', () => {
      const parts = parseTemplate('{{.ServiceGroupName}} ok');
      expect(renderTemplate(parts, allValues)).toBe('Payments ok');
    });

    it('render refuses a template that does not parse', () => {
      expect(() => renderTemplate('{{.Foo}}', allValues)).toThrow(TemplateSyntaxError);
    });

    it('formatTimestamp pads and drops seconds without rounding', () => {
      expect(formatTimestamp(new Date('2026-01-05T00:07:59.999Z'))).toBe('2026-01-05 00:07 UTC');
      expect(formatTimestamp(new Date('2026-11-27T15:04:00Z'))).toBe('2026-11-27 15:04 UTC');
    });

    it('formatTimestamp refuses an invalid date', () => {
      expect(() => formatTimestamp(new Date('not a date'))).toThrow(RangeError);
    });
  });
});

describe('templates validation', () => {
  it('assertValidTemplate accepts a title and body that parse', () => {
    expect(() =>
      assertValidTemplate({ title_template: '{{.ServiceName}} down', body_template: 'Since {{ .StartedAt }}' }),
    ).not.toThrow();
  });

  it('assertValidTemplate names every field that does not parse', () => {
    let caught: unknown;
    try {
      assertValidTemplate({ title_template: '{{.Foo}}', body_template: 'oops }}' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    const error = caught as DomainError;
    expect(error.kind).toBe('invalid');
    expect(error.fields).toEqual([
      {
        field: 'title_template',
        message: expect.stringMatching(/^unknown macro "\{\{\.Foo\}\}".* at line 1, column 1$/),
      },
      { field: 'body_template', message: '"}}" without an opening "{{" at line 1, column 6' },
    ]);
    expect(error.message).toContain('title_template');
    expect(error.message).toContain('body_template');
  });

  it('assertValidTemplate names only the field that is wrong', () => {
    let caught: unknown;
    try {
      assertValidTemplate({ title_template: 'fine', body_template: 'Resolved {{.ResolvedAt' });
    } catch (error) {
      caught = error;
    }
    expect((caught as DomainError).fields).toEqual([
      { field: 'body_template', message: 'unclosed "{{" at line 1, column 10' },
    ]);
  });

  it('renderEventTemplate renders title and body', () => {
    expect(
      renderEventTemplate(
        { title_template: '{{.ServiceName}} degraded', body_template: 'Started {{.StartedAt}}' },
        allValues,
      ),
    ).toEqual({ title: 'Billing API degraded', body: 'Started 2026-11-27 15:04 UTC' });
  });

  it('sampleTemplateValues gives a value for every macro, fresh each call', () => {
    const first = sampleTemplateValues();
    expect(first.ServiceName).toBe('Example service');
    expect(first.ServiceGroupName).toBe('Example group');
    expect(renderTemplate('{{.StartedAt}}|{{.ResolvedAt}}|{{.ScheduledStart}}|{{.ScheduledEnd}}', first)).toBe(
      '2026-01-15 09:30 UTC|2026-01-15 10:45 UTC|2026-01-20 22:00 UTC|2026-01-21 02:00 UTC',
    );
    first.StartedAt.setUTCFullYear(2000);
    expect(sampleTemplateValues().StartedAt.toISOString()).toBe('2026-01-15T09:30:00.000Z');
  });
});
