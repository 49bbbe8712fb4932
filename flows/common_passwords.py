"""A small list of passwords that are guessed first; enough to refuse the obvious ones.

Compared case-insensitively, also with trailing digits and punctuation removed
("Qwerty123!" is "qwerty").
"""

_LIST = """
    123456 1234567 12345678 123456789 1234567890 0123456789 9876543210 111111 1111111111
    000000 0000000000 121212 123123 123321 654321 666666 777777 888888 987654321 112233
    password passw0rd password1 pass pa55word p@ssw0rd p@ssword letmein welcome welcome1
    qwerty qwertyuiop qwerty123 qwe123 asdfgh asdfghjkl zxcvbn zxcvbnm 1q2w3e 1q2w3e4r
    1q2w3e4r5t 1qaz2wsx qazwsx qazwsxedc zaq12wsx admin administrator root master
    iloveyou monkey dragon football baseball superman batman trustno1 sunshine princess
    shadow michael killer hello freedom whatever starwars computer internet
    йцукен йцукенгшщз йцукенгшщзхъ пароль парольпароль привет любовь люблю наташа
    солнышко москва россия россети россетимр личныйкабинет кабинет
    rosseti rossetimr mrsk moesk lichnyikabinet
    parol parol123 privet lubov moskva russia
"""
COMMON = frozenset(_LIST.split())


def is_common(password: str) -> bool:
    lowered = password.strip().lower()
    return lowered in COMMON or lowered.rstrip("0123456789!@#$%^&*.,-_ ") in COMMON
