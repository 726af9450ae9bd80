// Fails when a TypeScript file holds a non-null assertion (x!) or a type assertion (x as T, <T>x): the generated
// client must be usable as generated. `as const` is no cast and stays allowed (as in typescript-eslint's
// consistent-type-assertions with assertionStyle "never" and no-non-null-assertion).
import { readFileSync } from "node:fs";
import ts from "typescript";

let found = 0;
for (const file of process.argv.slice(2)) {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    const isConst = (type) => ts.isTypeReferenceNode(type) && type.typeName.getText(source) === "const";
    let what = null;
    if (ts.isNonNullExpression(node)) what = "non-null assertion";
    else if (ts.isAsExpression(node) && !isConst(node.type)) what = "type assertion (as)";
    else if (ts.isTypeAssertionExpression(node) && !isConst(node.type)) what = "type assertion (<T>)";
    if (what) {
      const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
      console.error(`${file}:${line + 1}:${character + 1}: ${what}: ${node.getText(source)}`);
      found++;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
if (found > 0) {
  console.error(`${found} assertion(s): a client generated from the document should need none.`);
  process.exit(1);
}
console.log("no non-null or type assertions");
