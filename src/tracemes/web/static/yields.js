// Yields by plant day (uPlot, from npm): pass rate, first-pass yield and lot acceptance in
// percent, one point per day; a day with nothing to divide leaves a gap, not a zero.
function drawYields() {
  const box = document.getElementById("yields-chart");
  if (!box || typeof uPlot === "undefined") return;
  const d = JSON.parse(box.dataset.chart);
  const labels = JSON.parse(box.dataset.labels);
  const xs = d.days.map((_, i) => i);
  const day = (i) => (Number.isInteger(i) && d.days[i] ? d.days[i].slice(5) : "");
  box.replaceChildren();
  new uPlot(
    {
      width: Math.max(box.clientWidth, 280),
      height: 240,
      legend: { live: false },
      scales: { x: { time: false }, y: { range: [0, 100] } },
      axes: [{ values: (u, ticks) => ticks.map(day) }, { values: (u, ticks) => ticks.map((t) => `${t}%`) }],
      series: [
        { label: labels.day, value: (u, i) => day(i) },
        { label: labels.pass_rate, stroke: "#0b5cad", width: 2, points: { show: true, size: 7 } },
        { label: labels.fpy, stroke: "#1b6e3a", width: 2, dash: [6, 4], points: { show: true, size: 7 } },
        { label: labels.acceptance, stroke: "#8a4b00", width: 2, dash: [2, 3], points: { show: true, size: 7 } },
      ],
    },
    [xs, d.pass_rate, d.fpy, d.acceptance],
    box,
  );
}

document.addEventListener("DOMContentLoaded", drawYields);
