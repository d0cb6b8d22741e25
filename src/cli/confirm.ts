// Docker's "Are you sure you want to continue? [y/N]" prompts: one line of stdin, y or yes.
export async function confirm(question: string): Promise<boolean> {
  process.stdout.write(question);
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    if (Buffer.concat(chunks).includes(10)) break;
  }
  const answer = Buffer.concat(chunks).toString('utf8').split('\n')[0].trim().toLowerCase();
  return answer === 'y' || answer === 'yes';
}
