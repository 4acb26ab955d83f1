//! A few drawing words over krilla's surface: text placed left, centred or
//! right on a baseline, lines (solid or dashed), and a QR code as squares.
//! Coordinates are points from the page's top left, y downwards.

use crate::font::PrintFont;
use crate::{PrintError, PrintResult};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::TextDirection;

pub const MM: f32 = 72.0 / 25.4;

pub const RED: (u8, u8, u8) = (0xb0, 0x1c, 0x1c);
pub const GOLD: (u8, u8, u8) = (0xc8, 0x96, 0x2a);
pub const INK: (u8, u8, u8) = (0x20, 0x20, 0x20);
pub const GREY: (u8, u8, u8) = (0x80, 0x80, 0x80);

#[derive(Clone, Copy)]
pub enum Align {
    Left,
    Centre,
    Right,
}

pub struct Canvas<'s, 'p> {
    pub surface: &'s mut Surface<'p>,
    pub font: &'s PrintFont,
}

fn fill((r, g, b): (u8, u8, u8)) -> Fill {
    Fill { paint: rgb::Color::new(r, g, b).into(), opacity: NormalizedF32::ONE, rule: Default::default() }
}

impl Canvas<'_, '_> {
    /// Text on a baseline at `y`, anchored at `x` as aligned.
    pub fn text(&mut self, x: f32, y: f32, size: f32, colour: (u8, u8, u8), align: Align, text: &str) {
        if text.is_empty() {
            return;
        }
        let width = self.font.width(text, size);
        let left = match align {
            Align::Left => x,
            Align::Centre => x - width / 2.0,
            Align::Right => x - width,
        };
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(fill(colour)));
        self.surface.draw_text(Point::from_xy(left, y), self.font.font.clone(), size, text, false, TextDirection::Auto);
    }

    /// The largest size up to `size` at which the text fits in `width`.
    pub fn fitting(&self, text: &str, size: f32, width: f32) -> f32 {
        let natural = self.font.width(text, size);
        if natural <= width { size } else { size * width / natural }
    }

    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, colour: (u8, u8, u8), dashed: bool) {
        let mut path = PathBuilder::new();
        path.move_to(from.0, from.1);
        path.line_to(to.0, to.1);
        let Some(path) = path.finish() else { return };
        self.surface.set_fill(None);
        self.surface.set_stroke(Some(Stroke {
            paint: rgb::Color::new(colour.0, colour.1, colour.2).into(),
            width,
            dash: dashed.then(|| StrokeDash { array: vec![4.0, 3.0], offset: 0.0 }),
            ..Default::default()
        }));
        self.surface.draw_path(&path);
        self.surface.set_stroke(None);
    }

    /// A rectangle's outline.
    pub fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32, colour: (u8, u8, u8)) {
        let Some(rect) = Rect::from_xywh(x, y, w, h) else { return };
        let mut path = PathBuilder::new();
        path.push_rect(rect);
        let Some(path) = path.finish() else { return };
        self.surface.set_fill(None);
        self.surface.set_stroke(Some(Stroke {
            paint: rgb::Color::new(colour.0, colour.1, colour.2).into(),
            width,
            ..Default::default()
        }));
        self.surface.draw_path(&path);
        self.surface.set_stroke(None);
    }

    /// A filled rectangle.
    pub fn block(&mut self, x: f32, y: f32, w: f32, h: f32, colour: (u8, u8, u8)) {
        let Some(rect) = Rect::from_xywh(x, y, w, h) else { return };
        let mut path = PathBuilder::new();
        path.push_rect(rect);
        let Some(path) = path.finish() else { return };
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(fill(colour)));
        self.surface.draw_path(&path);
    }

    /// A five-pointed star centred at (x, y) with outer radius `r`.
    pub fn star(&mut self, x: f32, y: f32, r: f32, colour: (u8, u8, u8)) {
        let mut path = PathBuilder::new();
        for i in 0..10 {
            let radius = if i % 2 == 0 { r } else { r * 0.382 };
            let angle = std::f32::consts::PI * (i as f32) / 5.0 - std::f32::consts::FRAC_PI_2;
            let (px, py) = (x + radius * angle.cos(), y + radius * angle.sin());
            if i == 0 { path.move_to(px, py) } else { path.line_to(px, py) }
        }
        path.close();
        let Some(path) = path.finish() else { return };
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(fill(colour)));
        self.surface.draw_path(&path);
    }

    /// The QR code of `text`, `side` points square (quiet zone included), at
    /// its top left corner (x, y).
    pub fn qr(&mut self, x: f32, y: f32, side: f32, text: &str) -> PrintResult<()> {
        let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| PrintError::Pdf(format!("QR code: {e}")))?;
        let modules = code.width();
        let quiet = 2;
        let module = side / (modules + 2 * quiet) as f32;
        let mut path = PathBuilder::new();
        for (i, colour) in code.to_colors().into_iter().enumerate() {
            if colour == qrcode::Color::Dark {
                let (col, row) = (i % modules + quiet, i / modules + quiet);
                // A hair of overlap so that no white seams show between modules.
                if let Some(rect) =
                    Rect::from_xywh(x + col as f32 * module, y + row as f32 * module, module + 0.05, module + 0.05)
                {
                    path.push_rect(rect);
                }
            }
        }
        let Some(path) = path.finish() else { return Ok(()) };
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(fill((0, 0, 0))));
        self.surface.draw_path(&path);
        Ok(())
    }
}
