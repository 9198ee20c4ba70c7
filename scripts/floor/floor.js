// The cost of the Node ecosystem: the least a Node hook does (read stdin, parse, answer `{}`).
let data = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (c) => { data += c; });
process.stdin.on("end", () => {
  JSON.parse(data || "{}");
  process.stdout.write("{}\n");
});
