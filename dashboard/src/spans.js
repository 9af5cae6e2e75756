// Cuts a text into segments at every annotation boundary, so that overlapping
// annotations (an entity inside an event's evidence sentence, say) become flat, nested-free
// segments each carrying the annotations that cover it. Spans are half-open ranges of
// Unicode code points, as in Vigie's documents; JavaScript strings count UTF-16 units, so
// the text is split into code points first.

export function segments(text, marks) {
  const points = Array.from(text);
  const cuts = new Set([0, points.length]);
  for (const mark of marks) {
    cuts.add(Math.max(0, Math.min(points.length, mark.start)));
    cuts.add(Math.max(0, Math.min(points.length, mark.end)));
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const [start, end] = [sorted[i], sorted[i + 1]];
    if (start === end) continue;
    out.push({
      text: points.slice(start, end).join(""),
      marks: marks.filter((m) => m.start <= start && m.end >= end && m.end > m.start),
    });
  }
  return out;
}
