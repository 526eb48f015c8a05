import { escapeHtml, escapeMarkdown, escapeSlack, markdownLinkUrl, slackLinkUrl } from './markup-escape';
import { markdownLinks } from './testing/sample-notifications';

describe('markup escapes', () => {
  it('markdown: a link, emphasis, code, a heading and HTML in a value stay text', () => {
    expect(escapeMarkdown('[x](https://evil)')).toBe('\\[x\\]\\(https:\\/\\/evil\\)');
    expect(markdownLinks(`a ${escapeMarkdown('[x](https://evil)')} b`)).toEqual([]);
    expect(markdownLinks(`a ${escapeMarkdown('![img](https://evil/p.png)')}`)).toEqual([]);
    expect(escapeMarkdown('**b** _i_ `c` ~s~ # h | t')).toBe('\\*\\*b\\*\\* \\_i\\_ \\`c\\` \\~s\\~ \\# h \\| t');
    expect(escapeMarkdown('<font color="red">x</font> & y')).toBe('&lt;font color="red"&gt;x&lt;/font&gt; &amp; y');
    expect(escapeMarkdown('a\\]b')).toBe('a\\\\\\]b');
    expect(escapeMarkdown('one\n## two\r\n> three')).toBe('one \\#\\# two &gt; three');
    // What ordinary values look like is unchanged.
    expect(escapeMarkdown('CPU above 90% on web-01.')).toBe('CPU above 90% on web-01.');
  });

  it('markdown: a link Vigil builds keeps its destination whole', () => {
    expect(markdownLinkUrl('https://vigil.example.com/alerts?q=a b(c)')).toBe(
      'https://vigil.example.com/alerts?q=a%20b%28c%29',
    );
    expect(markdownLinks(`[Open](${markdownLinkUrl('https://v.example/x(1)')})`)).toEqual([
      '[Open](https://v.example/x%281%29)',
    ]);
  });

  it('slack: &, < and > escaped, formatting characters and a leading quote neutralised by zero-width spaces', () => {
    const z = '\u200b';
    expect(escapeSlack('<https://evil|x> <!channel> <@U1> a & b')).toBe(
      '&lt;https://evil|x&gt; &lt;!channel&gt; &lt;@U1&gt; a &amp; b',
    );
    expect(escapeSlack('*b* _i_ ~s~ `c`')).toBe(
      `${z}*${z}b${z}*${z} ${z}_${z}i${z}_${z} ${z}~${z}s${z}~${z} ${z}\`${z}c${z}\`${z}`,
    );
    expect(escapeSlack('> quoted\nok > not')).toBe(`${z}&gt; quoted\nok &gt; not`);
    expect(slackLinkUrl('https://v.example/a|b>c<d')).toBe('https://v.example/a%7Cb%3Ec%3Cd');
  });

  it('html: the five significant characters are entities', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});
