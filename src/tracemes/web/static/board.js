// The line board's hourly output as a bar chart (uPlot, from npm via scripts/install). The
// panel is swapped in afresh every few seconds, so the chart is drawn again after each swap.
function drawHourly() {
  const box = document.getElementById("hourly-chart");
  if (!box || typeof uPlot === "undefined") return;
  const counts = JSON.parse(box.dataset.hourly);
  const hours = counts.map((_, hour) => hour);
  box.replaceChildren();
  new uPlot(
    {
      width: Math.max(box.clientWidth, 280),
      height: 180,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [-0.5, 23.5] }, y: { range: (u, min, max) => [0, Math.max(max, 1)] } },
      axes: [
        { values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? `${t}` : "")) },
        { values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? `${t}` : "")) },
      ],
      series: [
        {},
        {
          label: box.dataset.series,
          fill: "#0b5cad",
          stroke: "#0b5cad",
          paths: uPlot.paths.bars({ size: [0.7, 40] }),
          points: { show: false },
        },
      ],
    },
    [hours, counts],
    box,
  );
}

document.addEventListener("DOMContentLoaded", drawHourly);
document.addEventListener("htmx:afterSettle", drawHourly);
