import { describe, expect, test } from 'vitest';
import { releaseNameProblem, suggestReleaseName } from './releaseName';

describe("Helm's release name rules", () => {
  test.each(['web', 'my-shop', 'a', 'shop.v2', 'x1-2', 'a'.repeat(53)])('%s is valid', (name) => {
    expect(releaseNameProblem(name)).toBeNull();
  });

  test.each([
    ['', 'apps|Enter a release name.'],
    ['a'.repeat(54), 'apps|At most 53 characters.'],
    ['MyShop', 'apps|Use lowercase letters only.'],
    ['my_shop', "apps|Only lowercase letters, digits, '-' and '.' are allowed."],
    ['my shop', "apps|Only lowercase letters, digits, '-' and '.' are allowed."],
    ['-shop', 'apps|Start and end with a letter or a digit.'],
    ['shop-', 'apps|Start and end with a letter or a digit.'],
    ['shop.', 'apps|Start and end with a letter or a digit.'],
    ['shop.-v2', 'apps|Each part between dots must start and end with a letter or a digit.'],
    ['shop..v2', 'apps|Each part between dots must start and end with a letter or a digit.'],
  ])('%j is refused: %s', (name, problem) => {
    expect(releaseNameProblem(name)).toBe(problem);
  });

  test('a suggested name is always valid', () => {
    for (const chart of ['WebApp', 'my_chart', '--x--', 'a'.repeat(70), '___']) {
      expect(releaseNameProblem(suggestReleaseName(chart))).toBeNull();
    }
  });
});
