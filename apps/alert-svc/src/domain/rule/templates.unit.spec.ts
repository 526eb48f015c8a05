import { annotationProblems, compileTemplate, renderAnnotations, renderTemplate, type TemplateData } from './templates';

const data: TemplateData = {
  labels: { mount: '/var', node: 'n-1', gpu: '0', size: '1073741824' },
  value: 0.8534,
  node: 'n-1',
  externalURL: 'https://vigil.example',
};

describe('renderTemplate', () => {
  it.each([
    ['plain text', 'plain text'],
    ['{{ $labels.mount }}', '/var'],
    ['{{$labels.mount}}', '/var'],
    ['disk {{ $labels.mount }} on {{ $node }}', 'disk /var on n-1'],
    ['{{ $value }}', '0.8534'],
    ['{{ $value | printf "%.1f" }}', '0.9'],
    ['{{ $value | printf "%.2f" }}', '0.85'],
    ['{{ $value | printf "%.0f" }}', '1'],
    ['{{ printf "%.2f" $value }}', '0.85'],
    ['{{ $value | humanizePercentage }}', '85.34%'],
    ['{{ humanizePercentage $value }}', '85.34%'],
    ['{{ $labels.size | humanize1024 }}B', '1GiB'],
    ['{{ $labels.size | humanize }}', '1.074G'],
    ['{{ $value | humanizePercentage | printf "at %s" }}', 'at 85.34%'],
    ['{{ printf "%s:%s" $labels.node $labels.gpu }}', 'n-1:0'],
    ['{{ $externalURL }}/nodes/{{ $node }}', 'https://vigil.example/nodes/n-1'],
    ['{{ "literal }}" }}', 'literal }}'],
    ['{{ `raw "quoted"` }}', 'raw "quoted"'],
    ['{{ 42 }}', '42'],
    ['a  {{- $labels.mount -}}  b', 'a/varb'],
    ['{{ $labels.missing }}', ''],
    ['[{{ $labels.mount | humanize }}]', '[/var]'],
    ['a {{ $nope }} b', 'a  b'],
    ['a {{ $value | eval }} b', 'a  b'],
    ['a {{ $value', 'a {{ $value'],
    ['{ single braces }', '{ single braces }'],
  ])('%p → %p', (template, text) => {
    expect(renderTemplate(template, data)).toBe(text);
  });

  it.each([
    ['{{ $value }}', ''],
    ['{{ $value | printf "%.1f" }}', ''],
    ['{{ $value | humanizePercentage }}', ''],
    ['{{ $node }}|{{ $externalURL }}', '|'],
    ['{{ $labels.constructor }}{{ $labels.__proto__ }}', ''],
  ])('with nothing filled in, %p → %p', (template, text) => {
    expect(renderTemplate(template, { labels: {} })).toBe(text);
  });
});

describe('template problems', () => {
  it.each([
    ['{{ $labels.mount }} {{ $value | printf "%.1f" }} {{ $value | humanize }}', []],
    ['{{ $foo }}', ['unknown variable "$foo"']],
    ['{{ $labels }}', ['"$labels" needs one label name']],
    ['{{ $labels.a.b }}', ['"$labels" needs one label name']],
    ['{{ $value.x }}', ['"$value" has no field "x"']],
    ['{{ $value | upper }}', ['unknown function "upper"']],
    ['{{ exec "rm -rf /" }}', ['unknown function "exec"']],
    ['{{ $value | printf "%x" }}', ['unsupported printf verb "%x"']],
    ['{{ $value | printf "%s %s" }}', ['takes 2 value(s), got 1']],
    ['{{ printf $value }}', ['"printf" needs a format string first']],
    ['{{ $value | humanize 3 }}', ['"humanize" takes one value, got 2']],
    ['{{ $value $node }}', ['a value must be followed by "|"']],
    ['{{ $value | $node }}', ['only a function can follow "|"']],
    ['{{ $value | }}', ['empty command around "|"']],
    ['{{ }}', ['empty action']],
    ['{{ $value + 1 }}', ['unexpected "+"']],
    ['{{ "\\x41" }}', ['invalid string']],
    ['text {{ $value', ['unclosed action']],
    ['{{ $a }} and {{ $b }}', ['unknown variable "$a"', 'unknown variable "$b"']],
  ])('%p reports %p', (template, messages) => {
    const { problems } = compileTemplate(template);
    expect(problems).toHaveLength(messages.length);
    messages.forEach((m, i) => expect(problems[i].message).toContain(m));
  });

  it('names the action and where it starts', () => {
    const [problem] = compileTemplate('Disk {{ $lables.mount }} full').problems;
    expect(problem).toEqual({ at: 5, message: expect.stringContaining('in "{{ $lables.mount }}"') });
  });
});

describe('annotations', () => {
  const annotations = {
    summary: 'Disk {{ $labels.mount }} on {{ $node }} is {{ $value | humanizePercentage }} full',
    runbook: '{{ $externalURL }}/runbooks/{{ $bad }}',
  };

  it('renders each annotation', () => {
    expect(renderAnnotations(annotations, data)).toEqual({
      summary: 'Disk /var on n-1 is 85.34% full',
      runbook: 'https://vigil.example/runbooks/',
    });
  });

  it('reports problems by annotation', () => {
    expect(annotationProblems(annotations)).toEqual([
      { annotation: 'runbook', message: expect.stringContaining('unknown variable "$bad"') },
    ]);
  });
});
