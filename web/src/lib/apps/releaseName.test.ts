import { describe, expect, test } from 'vitest';
import { releaseNameProblem, suggestReleaseName } from './releaseName';
// The table the server (crates/apps/src/validate.rs) and the real helm (crates/server/tests/apps_helm.rs)
// are held to as well, so the form, the API and helm cannot disagree about a name.
import table from './releaseNames.json';

describe("Helm's release name rules", () => {
  test.each(table.valid)('%j is valid, as helm and the API say', (name) => {
    expect(releaseNameProblem(name)).toBeNull();
  });

  test.each(table.invalid)('%j is refused, as helm and the API refuse it', (name) => {
    expect(releaseNameProblem(name)).not.toBeNull();
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
