// PLACEHOLDER (being written): the bridge CLI.
process.stderr.write('bridge not built yet\n');
process.exit(1);
