//! Bar charts as server-rendered SVG: this file computes the geometry and the template
//! (`templates/chart.html`) writes the elements, escaping every label. No script, no inline
//! style (the CSP forbids both): colours come from classes in `ui.css`.

/// Width and height of a chart's drawing area, in SVG user units.
const WIDTH: u32 = 640;
const HEIGHT: u32 = 200;
/// Room below the bars for the labels and above them for the values.
const LABEL_BAND: u32 = 36;
const VALUE_BAND: u32 = 16;
/// Room left and right of the bars, so the outer labels are not cut.
const SIDE: u32 = 20;

/// A bar chart ready for the template.
#[derive(Debug, Clone)]
pub(crate) struct BarChart {
    /// The id of the chart's `<title>`, for `aria-labelledby`.
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// The x axis baseline.
    pub(crate) baseline: u32,
    pub(crate) bars: Vec<Bar>,
    /// True when every value is zero: the template says "no data" instead of bars.
    pub(crate) empty: bool,
}

/// One bar: its label, value and rectangle.
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub(crate) label: String,
    /// Whether the label is written under the bar (dense charts label every few bars).
    pub(crate) show_label: bool,
    pub(crate) value: u64,
    pub(crate) x: u32,
    pub(crate) y: u32,
    pub(crate) w: u32,
    pub(crate) h: u32,
    /// The centre of the bar, for its label.
    pub(crate) cx: u32,
    pub(crate) label_y: u32,
    pub(crate) value_y: u32,
}

/// A chart of `points` (label, value) in order, with every `label_every`-th label written.
pub(crate) fn bar_chart(
    id: &str,
    title: &str,
    points: &[(String, u64)],
    label_every: usize,
) -> BarChart {
    let max = points.iter().map(|(_, value)| *value).max().unwrap_or(0);
    let n = u32::try_from(points.len().max(1)).unwrap_or(u32::MAX);
    let slot = ((WIDTH - 2 * SIDE) / n).max(1);
    let bar_width = (slot * 4 / 5).max(1);
    let plot_height = HEIGHT - LABEL_BAND - VALUE_BAND;
    let baseline = HEIGHT - LABEL_BAND;
    let label_every = label_every.max(1);
    let bars = points
        .iter()
        .enumerate()
        .map(|(idx, (label, value))| {
            let h = scale(*value, max, plot_height);
            let x = SIDE + u32::try_from(idx).unwrap_or(0) * slot + (slot - bar_width) / 2;
            Bar {
                label: label.clone(),
                show_label: idx % label_every == 0,
                value: *value,
                x,
                y: baseline - h,
                w: bar_width,
                h,
                cx: x + bar_width / 2,
                label_y: baseline + 16,
                value_y: (baseline - h).saturating_sub(4),
            }
        })
        .collect();
    BarChart {
        id: id.to_owned(),
        title: title.to_owned(),
        width: WIDTH,
        height: HEIGHT,
        baseline,
        bars,
        empty: max == 0,
    }
}

/// `value` of `max` as a height out of `height`; a non-zero value is at least 1 unit tall.
fn scale(value: u64, max: u64, height: u32) -> u32 {
    if max == 0 || value == 0 {
        return 0;
    }
    let scaled = u128::from(value) * u128::from(height) / u128::from(max);
    u32::try_from(scaled).unwrap_or(height).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_stay_inside_the_chart() {
        let points: Vec<(String, u64)> =
            vec![("a".into(), 0), ("b".into(), 5), ("c".into(), 10), ("d".into(), 1)];
        let chart = bar_chart("c1", "t", &points, 2);
        assert!(!chart.empty);
        let heights: Vec<u32> = chart.bars.iter().map(|bar| bar.h).collect();
        assert_eq!(heights[0], 0);
        assert_eq!(heights[2], HEIGHT - LABEL_BAND - VALUE_BAND);
        assert_eq!(heights[1] * 2, heights[2]);
        assert!(heights[3] >= 1);
        for bar in &chart.bars {
            assert!(bar.x + bar.w <= WIDTH && bar.y + bar.h == chart.baseline);
        }
        let labelled: Vec<bool> = chart.bars.iter().map(|bar| bar.show_label).collect();
        assert_eq!(labelled, [true, false, true, false]);
    }

    #[test]
    fn an_all_zero_chart_is_empty() {
        let chart = bar_chart("c2", "t", &[("a".into(), 0)], 1);
        assert!(chart.empty);
        assert!(bar_chart("c3", "t", &[], 1).empty);
    }
}
