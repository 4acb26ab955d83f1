//! How long a free-text field may be, checked on the server by one helper
//! (a form's `maxlength` says the same to the browser, but anyone can post
//! without the form). A field over its limit is refused with a 400 that
//! names it, before anything is written.

use crate::error::WebError;
use crate::error::Why;

/// A name: a robot's group, a relation between members.
pub const NAME: usize = 40;
/// A meeting's or an activity's title, a place.
pub const TITLE: usize = 80;
/// A reason, a reviewer's note, a household's comment.
pub const REASON: usize = 500;
/// An objection and its answer.
pub const OBJECTION: usize = 1000;
/// A robot's URL.
pub const URL: usize = 500;
/// A robot's signing secret.
pub const SECRET: usize = 200;
/// A password (argon2 takes any length; nobody types more).
pub const PASSWORD: usize = 256;

/// A form field's name as a Chinese page calls it (the English message names
/// the field as the form does).
pub fn label_zh(field: &str) -> &str {
    match field {
        "text" => "内容",
        "answer" => "答复",
        "reason" => "理由",
        "code" => "验证码",
        "comment" => "意见",
        "relation" => "关系",
        "title" => "标题",
        "place" => "地点",
        "note" => "说明",
        "name" => "名称",
        "url" => "地址",
        "secret" => "密钥",
        "current" => "当前密码",
        "new" => "新密码",
        "repeat" => "再次输入的新密码",
        "starts_at" => "开始时间",
        "ends_at" => "结束时间",
        other => other,
    }
}

/// Refuses `value` if it is longer than `max` characters.
pub fn at_most(field: &str, value: &str, max: usize) -> Result<(), WebError> {
    let length = value.chars().count();
    if length > max {
        return Err(WebError::BadRequest(Why::new(
            format!("{}：最多 {max} 个字（现有 {length} 个字）。", label_zh(field)),
            format!("{field}: at most {max} characters (this one has {length})"),
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_not_bytes_are_counted() {
        assert!(at_most("title", &"党".repeat(80), TITLE).is_ok());
        let error = at_most("title", &"党".repeat(81), TITLE).unwrap_err();
        assert!(error.to_string().contains("title"), "{error}");
    }
}
