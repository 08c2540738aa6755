// A control chart (uPlot, from npm): the values, the center line and control limits,
// and the points that break a Western Electric rule drawn again, large and red.
function drawSpc() {
  const box = document.getElementById("spc-chart");
  if (!box || typeof uPlot === "undefined") return;
  const d = JSON.parse(box.dataset.chart);
  const xs = d.values.map((_, i) => i + 1);
  const flat = (v) => (Array.isArray(v) ? v : xs.map(() => v)); // p charts: limits per point
  box.replaceChildren();
  new uPlot(
    {
      width: Math.max(box.clientWidth, 280),
      height: 220,
      legend: { show: false },
      scales: { x: { time: false } },
      series: [
        {},
        { stroke: "#0b5cad", width: 2, points: { size: 5 } },
        { stroke: "#1b6e3a", dash: [6, 4] },
        { stroke: "#a4161a", dash: [2, 3] },
        { stroke: "#a4161a", dash: [2, 3] },
        { stroke: "transparent", points: { size: 11, fill: "#a4161a", stroke: "#a4161a" } },
      ],
    },
    [xs, d.values, flat(d.center), flat(d.ucl), flat(d.lcl), d.flagged],
    box,
  );
}

document.addEventListener("DOMContentLoaded", drawSpc);
